"""The readiness components of a site and the states a component can be in."""

from __future__ import annotations

from enum import StrEnum

# Marked by hand (with date and note) and recorded as events.
PHYSICAL_WORKS = "physical_works"
INAUGURATED = "inaugurated"
MANUAL_COMPONENTS = (PHYSICAL_WORKS, INAUGURATED)

# Filled by the rollout's verify stage through Store.record_checks().
NETWORK = "network"
COUNTERS = "counters"
DISPLAYS = "displays"
PRINTERS = "printers"
APPLICATIONS = "applications"
AUTOMATIC_COMPONENTS = (NETWORK, COUNTERS, DISPLAYS, PRINTERS, APPLICATIONS)

# The order a site's readiness is shown in: the order in which work happens on site.
COMPONENTS = (PHYSICAL_WORKS, NETWORK, COUNTERS, DISPLAYS, PRINTERS, APPLICATIONS, INAUGURATED)

# Not a component of its own: a counter PC, display or printer whose MAC is not recorded yet has
# no DHCP reservation, so it can never get its planned address. The inventory says so, and it
# keeps the site from being ready (SiteReadiness.blockers) until `digikel site device --mac`.
MAC_ADDRESSES = "mac_addresses"
MAC_ROLES = ("counter", "display", "printer")

# Inventory roles whose devices each automatic component must cover.
ROLES_OF = {
    NETWORK: ("router", "switch", "ap"),
    COUNTERS: ("counter",),
    DISPLAYS: ("display",),
    PRINTERS: ("printer",),
}
PORTAL_TARGET = "portal"  # the applications component's check target for the integrated portal

# What `digikel watch` compares with what was delivered (store: drift_records). Endpoints are the
# counter PCs and displays together: one `site.yml --check --diff` covers both.
ENDPOINTS = "endpoints"
DRIFT_COMPONENTS = (NETWORK, ENDPOINTS, PRINTERS, APPLICATIONS)
# Not a component either: open drift (a target the newest watch found changed by hand) keeps a
# site from being ready, one blocker per target (SiteReadiness.blockers), whatever its checks say.
DRIFT = "drift"


class State(StrEnum):
    OK = "ok"  # green
    FAILED = "failed"  # the latest checks found a fault
    STALE = "stale"  # green once, but the checks are older than the allowed age
    INCOMPLETE = "incomplete"  # the latest checks left out some device or application
    UNCHECKED = "unchecked"  # never checked
    NOT_DONE = "not_done"  # a manual component that is not (or no longer) marked
    IN_PROGRESS = "in_progress"  # physical works started but not finished
    NOT_APPLICABLE = "n/a"  # the site has no device of this kind: nothing to be ready
    DRIFTED = "drifted"  # a blocker only: a device or host no longer as delivered

    @property
    def green(self) -> bool:
        return self in (State.OK, State.NOT_APPLICABLE)
