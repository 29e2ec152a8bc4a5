"""get_interfaces and get_ips of a running container given a dummy interface by the test.
Arguments: NAME LXCPATH."""
import lxc, sys
c = lxc.Container(sys.argv[1], sys.argv[2])
print("interfaces:", sorted(c.get_interfaces()))
print("ips:", list(c.get_ips()))
print("inet:", list(c.get_ips(family="inet")))
print("inet6:", list(c.get_ips(family="inet6")))
print("lo:", list(c.get_ips(interface="lo")))
print("timeout:", list(c.get_ips(family="inet", timeout=5)))
