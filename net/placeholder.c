/* net: placeholder so the library has a unit until the link watcher lands. */
#include "core/util.h"
int net_placeholder(void);
int net_placeholder(void) { return 0; }
