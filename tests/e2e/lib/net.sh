# shellcheck shell=bash
# A veth pair in the host network namespace for XDP, tc and tcx tests.

VETH=$E2E_PREFIX-v0
VPEER=$E2E_PREFIX-v1

veth_up() {
	ip link del "$VETH" 2>/dev/null || true
	ip link add "$VETH" type veth peer name "$VPEER"
	ip link set "$VETH" up
	ip link set "$VPEER" up
}

veth_down() {
	ip link del "$VETH" 2>/dev/null || true
}

# netdev_view: what the host sees on its devices, to compare before/after.
netdev_view() {
	local d
	for d in "$VETH" "$VPEER"; do
		ip -d link show dev "$d" | grep -o 'prog/xdp id [0-9]*' || true
		tc filter show dev "$d" ingress 2>/dev/null | grep -o 'id [0-9]*' || true
		tc filter show dev "$d" egress 2>/dev/null | grep -o 'id [0-9]*' || true
	done
}
