#!/bin/bash
# A daemon: forks, writes its pidfile, a monitor on a UNIX socket and QMP on
# TCP, runs under sudo; vmdeck replaces all of them.
# import-args: --name daemon
BASE=$HOME/vms
mkdir -p "$BASE"
exec sudo -E qemu-system-x86_64 -name guest=daemon-vm,debug-threads=on \
  -machine pc,accel=kvm:tcg -m 384 \
  -drive file=$PWD/daemon.img,format=raw,if=ide,index=0 \
  -netdev user,id=u0 -device e1000,netdev=u0,id=u0,mac=52:54:00:da:e0:01 \
  -daemonize -pidfile /tmp/daemon-vm.pid \
  -monitor unix:$BASE/daemon.mon,server,nowait \
  -qmp tcp:127.0.0.1:4444,server=on,wait=off \
  -display none -no-reboot
