"""The seed's wait for an address: get_ips(timeout=30) on a container that asks DHCP for one.
Arguments: NAME LXCPATH."""
import lxc, sys
c = lxc.Container(sys.argv[1], sys.argv[2])
print("inet:", list(c.get_ips(family="inet", timeout=30)))
print("interfaces:", sorted(c.get_interfaces()))
