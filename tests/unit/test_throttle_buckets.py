"""Which throttle bucket a client address falls in (accounts/throttle.py)."""

from accounts import throttle


def test_ipv4_mapped_ipv6_is_bucketed_as_its_ipv4_address_rfc4291_2_5_5_2():
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; grouped by /64 all of them would share one bucket.
    assert throttle.ip_key("::ffff:198.51.100.7") == throttle.ip_key("198.51.100.7")
    assert throttle.ip_key("::ffff:198.51.100.7") != throttle.ip_key("::ffff:198.51.100.8")
    assert throttle.ip_key("::ffff:c633:6407", "reset") == throttle.ip_key("198.51.100.7", "reset")


def test_ipv6_is_bucketed_per_64_and_ipv4_per_address():
    assert throttle.ip_key("2001:db8:1:2::1") == throttle.ip_key("2001:db8:1:2:ffff::9") == (
        "portico:throttle:ip:2001:db8:1:2::/64"
    )
    assert throttle.ip_key("2001:db8:1:3::1") != throttle.ip_key("2001:db8:1:2::1")
    assert throttle.ip_key("198.51.100.7") == "portico:throttle:ip:198.51.100.7"
    assert throttle.ip_key(None) is None and throttle.ip_key("") is None
