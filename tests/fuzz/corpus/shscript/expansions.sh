a=(x "${a[@]}")
q=${A:-${B:=${C:+d}}}
qemu-system-x86_64 $q "${a[@]}" ${#a[@]} $(pwd) `pwd` \(c\) 's q' "d $x"
