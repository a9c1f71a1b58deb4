"""The address plan: deterministic, never overlapping, every host inside its segment."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from hypothesis import given
from hypothesis import strategies as st

from digikel.inventory import addressing as plan
from digikel.inventory.schema import SegmentSpec

START = IPv4Address("10.81.0.0")
CITY = IPv4Network("10.80.0.0/12")
DATACENTRE = IPv4Network("10.80.0.0/16")
SEGMENTS = {
    "mgmt": SegmentSpec(vlan=10, offset=0, prefix=24),
    "counters": SegmentSpec(vlan=20, offset=1, prefix=24),
    "displays": SegmentSpec(vlan=30, offset=2, prefix=24),
    "printers": SegmentSpec(vlan=40, offset=3, prefix=24),
    "staff_wifi": SegmentSpec(vlan=50, offset=4, prefix=24),
    "public_wifi": SegmentSpec(vlan=60, offset=6, prefix=23),
}
# The city range holds 12 /16s after the data centre's: 192 sites of /20.
site_numbers = st.integers(min_value=1, max_value=192)


@given(site_numbers, site_numbers)
def test_blocks_of_different_sites_never_overlap(a: int, b: int) -> None:
    block_a = plan.site_block(START, 20, a)
    block_b = plan.site_block(START, 20, b)
    assert block_a.overlaps(block_b) == (a == b)


@given(site_numbers)
def test_every_block_is_in_the_city_range_and_clear_of_the_data_centre(n: int) -> None:
    block = plan.site_block(START, 20, n)
    assert block.subnet_of(CITY)
    assert not block.overlaps(DATACENTRE)


@given(site_numbers)
def test_numbering_is_stable(n: int) -> None:
    # Same number, same block: the plan depends on nothing but the site's number.
    assert plan.site_block(START, 20, n) == plan.site_block(START, 20, n)
    assert plan.site_block(START, 20, n).network_address == START + (n - 1) * 4096


@given(site_numbers)
def test_segments_are_inside_the_block_and_disjoint(n: int) -> None:
    block = plan.site_block(START, 20, n)
    segments = list(plan.site_segments(block, SEGMENTS).values())
    for segment in segments:
        assert segment.network.subnet_of(block)
        assert segment.gateway in segment.network
    for i, one in enumerate(segments):
        for other in segments[i + 1 :]:
            assert not one.network.overlaps(other.network)


@given(
    site_numbers,
    st.sampled_from(sorted(plan.ROLE_PLACEMENT)),
    st.integers(min_value=1, max_value=8),
)
def test_every_device_address_is_a_host_of_its_segment(n: int, role: str, index: int) -> None:
    block = plan.site_block(START, 20, n)
    segment = plan.site_segments(block, SEGMENTS)[plan.ROLE_PLACEMENT[role][1]]
    address = plan.device_address(segment, role, index)
    assert address in segment.network.hosts()
    if role != "router":
        assert address != segment.gateway


def test_worked_example_of_the_docs() -> None:
    # docs/address-plan.md walks through Loa Bakung, site 51: keep both in step.
    block = plan.site_block(START, 20, 51)
    assert block == IPv4Network("10.84.32.0/20")
    segments = plan.site_segments(block, SEGMENTS)
    assert segments["counters"].network == IPv4Network("10.84.33.0/24")
    assert segments["public_wifi"].network == IPv4Network("10.84.38.0/23")
    assert plan.device_address(segments["counters"], "counter", 1) == IPv4Address("10.84.33.11")
    assert plan.device_name("loa-bakung", "counter", 1) == "loa-bakung-pc01"
    assert plan.tunnel_address(IPv4Network("10.80.254.0/24"), 51) == IPv4Address("10.80.254.52")
    assert plan.lab_address(IPv4Network("127.64.0.0/16"), 51, 1) == IPv4Address("127.64.51.1")
