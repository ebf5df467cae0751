"""Which addresses the fetcher may dial: every non-public range, in every IPv6 disguise."""

from __future__ import annotations

import ipaddress

import pytest

from factdesk.errors import (
    FetchRefused,
    HostNotFound,
    LinkLocalAddress,
    LoopbackAddress,
    NonPublicAddress,
    PrivateAddress,
)
from workers.netguard import (
    checked_addresses,
    embedded_ipv4,
    parse_networks,
    refusal,
)

REFUSED: list[tuple[str, type[FetchRefused]]] = [
    ("127.0.0.1", LoopbackAddress),
    ("127.255.255.254", LoopbackAddress),
    ("::1", LoopbackAddress),
    ("10.0.0.1", PrivateAddress),
    ("172.16.0.1", PrivateAddress),
    ("172.31.255.255", PrivateAddress),
    ("192.168.1.1", PrivateAddress),
    ("100.64.0.1", PrivateAddress),  # CGNAT
    ("100.127.255.254", PrivateAddress),
    ("fd12:3456::1", PrivateAddress),  # ULA
    ("fc00::1", PrivateAddress),
    ("fec0::1", PrivateAddress),  # site-local, deprecated but still routed by some
    ("169.254.169.254", LinkLocalAddress),  # cloud metadata
    ("169.254.0.1", LinkLocalAddress),
    ("fe80::1", LinkLocalAddress),
    ("0.0.0.0", NonPublicAddress),
    ("0.1.2.3", NonPublicAddress),
    ("::", NonPublicAddress),
    ("224.0.0.1", NonPublicAddress),
    ("239.255.255.250", NonPublicAddress),
    ("ff02::1", NonPublicAddress),
    ("240.0.0.1", NonPublicAddress),
    ("255.255.255.255", NonPublicAddress),
    ("192.0.2.10", NonPublicAddress),  # documentation
    ("198.18.0.1", NonPublicAddress),  # benchmarking
    ("192.0.0.8", NonPublicAddress),  # IETF protocol assignments
    ("2001:db8::1", NonPublicAddress),
    ("100::1", NonPublicAddress),  # discard-only
    # IPv4 inside IPv6: judged by the IPv4 address they reach.
    ("::ffff:127.0.0.1", LoopbackAddress),
    ("::ffff:10.0.0.1", PrivateAddress),
    ("::ffff:169.254.169.254", LinkLocalAddress),
    ("64:ff9b::a00:1", PrivateAddress),  # NAT64 of 10.0.0.1
    ("64:ff9b::a9fe:a9fe", LinkLocalAddress),  # NAT64 of 169.254.169.254
    ("64:ff9b:1::a00:1", PrivateAddress),  # local-use NAT64
    ("2002:a00:1::1", PrivateAddress),  # 6to4 of 10.0.0.1
    ("2002:7f00:1::1", LoopbackAddress),  # 6to4 of 127.0.0.1
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", PrivateAddress),  # Teredo, client 10.0.0.1
    ("::a00:1", PrivateAddress),  # IPv4-compatible
]

PUBLIC = [
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "::ffff:93.184.216.34",
    "64:ff9b::5db8:d822",  # NAT64 of a public address
    "2002:5db8:d822::1",  # 6to4 of a public address
]


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_non_public_addresses_are_refused(address: str, kind: type[FetchRefused]) -> None:
    assert refusal(ipaddress.ip_address(address)) is kind


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_embedded_ipv4_is_found_in_every_form() -> None:
    ten = ipaddress.IPv4Address("10.0.0.1")
    for form in ("::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::", "::a00:1"):
        assert embedded_ipv4(ipaddress.ip_address(form)) == ten, form
    assert embedded_ipv4(ipaddress.ip_address("2606:4700::1")) is None


def test_allowed_networks_let_chosen_ranges_through_and_no_others() -> None:
    allowed = parse_networks(" 10.1.0.0/16, 127.0.0.1/32 ,")

    assert refusal(ipaddress.ip_address("10.1.2.3"), allowed) is None
    assert refusal(ipaddress.ip_address("::ffff:10.1.2.3"), allowed) is None
    assert refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("10.2.0.1"), allowed) is PrivateAddress
    assert refusal(ipaddress.ip_address("127.0.0.2"), allowed) is LoopbackAddress
    assert refusal(ipaddress.ip_address("::1"), allowed) is LoopbackAddress


def test_empty_setting_allows_nothing() -> None:
    assert parse_networks("") == ()
    assert parse_networks(" , ") == ()
    with pytest.raises(ValueError, match="does not appear to be"):
        parse_networks("10.0.0.0/8, intranet")


def test_a_name_is_refused_when_any_of_its_addresses_is_not_public() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.1"]

    with pytest.raises(PrivateAddress) as refused:
        checked_addresses("mixed.test", 80, resolver=resolver, allowed=())
    assert refused.value.user_message == "I can't fetch links to private network addresses."


def test_a_name_without_addresses_is_not_found() -> None:
    with pytest.raises(HostNotFound) as refused:
        checked_addresses("nothing.test", 80, resolver=lambda host, port: [], allowed=())
    assert "nothing.test" in refused.value.user_message


def test_literal_addresses_skip_the_resolver() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise AssertionError("a literal address must not be resolved")

    assert checked_addresses("[2606:4700::1111]", 443, resolver=resolver, allowed=()) == [
        "2606:4700::1111"
    ]
    with pytest.raises(LinkLocalAddress):
        checked_addresses("169.254.169.254", 80, resolver=resolver, allowed=())
