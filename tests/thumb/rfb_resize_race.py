#!/usr/bin/env python3
"""rfb_resize_race.py PORTFILE: a VNC server (RFB 3.8, no auth, raw
pixels) on 127.0.0.1 that plays QEMU at the moment a VM switches video
modes while a client connects: its first client is told 640x400 at
ServerInit and then sent an update of a 720x400 screen before any resize
(what libvncclient 0.9.14 gets when the resize comes before the client's
SetEncodings reached QEMU: it drops the link, "Rect too large"). Every
later client is told 720x400 and gets that screen: white, a black pixel at
(1, 1). Writes its port to PORTFILE; serves until killed. For the
screenshot test that a one-shot client connects again."""
import socket
import struct
import sys
import threading

W, H = 720, 400


def rd(c, n):
    b = b""
    while len(b) < n:
        x = c.recv(n - len(b))
        if not x:
            raise EOFError
        b += x
    return b


def serve(c, first):
    try:
        c.sendall(b"RFB 003.008\n")
        rd(c, 12)
        c.sendall(bytes([1, 1]))  # one security type: none
        rd(c, 1)
        c.sendall(struct.pack(">I", 0))  # security result: OK
        rd(c, 1)  # ClientInit
        w = 640 if first else W
        # 32 bpp, depth 24, little endian, true colour, 8-8-8 at 16/8/0
        pf = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
        name = b"race"
        c.sendall(struct.pack(">HH", w, H) + pf + struct.pack(">I", len(name)) + name)
        bpp = 4
        while True:
            t = rd(c, 1)[0]
            if t == 0:  # SetPixelFormat
                m = rd(c, 19)
                bpp = m[3] // 8
            elif t == 2:  # SetEncodings
                n = struct.unpack(">xH", rd(c, 3))[0]
                rd(c, 4 * n)
            elif t == 3:  # FramebufferUpdateRequest
                rd(c, 9)
                px = bytearray(b"\xff" * (W * H * bpp))
                off = (1 * W + 1) * bpp
                px[off:off + bpp] = b"\x00" * bpp
                hdr = struct.pack(">BxH", 0, 1) + struct.pack(">HHHHi", 0, 0, W, H, 0)
                c.sendall(hdr + bytes(px))
            elif t == 4:  # KeyEvent
                rd(c, 7)
            elif t == 5:  # PointerEvent
                rd(c, 5)
            elif t == 6:  # ClientCutText
                n = struct.unpack(">3xI", rd(c, 7))[0]
                rd(c, n)
            else:
                return
    except (EOFError, OSError):
        pass
    finally:
        c.close()


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    first = True
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, first), daemon=True).start()
        first = False


main()
