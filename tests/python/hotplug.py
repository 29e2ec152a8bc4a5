"""attach_interface / detach_interface / add_device_net as python3-lxc spells them.
Arguments: NAME LXCPATH HOSTDEV INSIDE (the NIC's name in the container, kept when it
goes back to the host)."""
import lxc, sys
c = lxc.Container(sys.argv[1], sys.argv[2])
inside = sys.argv[4]
print("attach:", c.attach_interface(sys.argv[3], inside))
print("interfaces:", sorted(c.get_interfaces()))
print("detach:", c.detach_interface(inside))
print("again:", c.detach_interface(inside))
print("interfaces:", sorted(c.get_interfaces()))
# python3-lxc's add_device_net: the interface (now `inside` on the host) goes in again.
print("net:", c.add_device_net(inside), inside in c.get_interfaces(),
      c.detach_interface(inside), c.add_device_net("no-such-nic"))
