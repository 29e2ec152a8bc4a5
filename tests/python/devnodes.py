"""add_device_node / remove_device_node as python3-lxc spells them.
Arguments: NAME LXCPATH HOSTNODE INSIDE."""
import lxc, sys
c = lxc.Container(sys.argv[1], sys.argv[2])
node, inside = sys.argv[3], sys.argv[4]
print("add:", c.add_device_node(src_path=node, dest_path=inside))
print("again:", c.add_device_node(node, inside))
print("remove:", c.remove_device_node(node, dest_path=inside))
print("again:", c.remove_device_node(node, inside))
print("not a node:", c.add_device_node("/etc/hostname"))
