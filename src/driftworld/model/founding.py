"""The world's founding: organizations, their accounts and each account's day-zero estate.

Pure: the seeder writes what these return, and an in-memory world (engine/memory.py) starts from it.
"""

from __future__ import annotations

import datetime as dt

from driftworld.model.clock import WorldClock
from driftworld.model.difficulty import Difficulty
from driftworld.model.estate import EstateShape, build_estate
from driftworld.model.factory import Account, Builder
from driftworld.model.state import DayChanges, Row
from driftworld.model.streams import stream

REGIONS = ("us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1")
COMPANY_WORDS = (
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "soylent",
    "aperture",
    "massive",
    "vandelay",
    "pied-piper",
    "wonka",
    "oscorp",
)
ACCOUNT_ROLES = ("production", "staging", "development", "data", "sandbox", "shared-services")

ACCOUNT_AGE_DAYS = 1000  # how long before the first day of history the accounts were opened


def found_organizations(
    seed: int, orgs: int, accounts_per_org: int, clock: WorldClock, first: dt.date
) -> tuple[list[Row], list[Row], list[Account]]:
    """The world's organizations and accounts (rows, and the engine's view of each account), opened long
    before the first day of history."""
    world = stream(seed, "world", None, "organizations")
    opened = first - dt.timedelta(days=ACCOUNT_AGE_DAYS)
    organizations: list[Row] = []
    account_rows: list[Row] = []
    accounts: list[Account] = []
    used_slugs: set[str] = set()
    for index in range(orgs):
        base = f"{world.choice(COMPANY_WORDS)}-{world.choice(('labs', 'cloud', 'systems', 'tech', 'io'))}"
        slug = base if base not in used_slugs else f"{base}-{index + 1}"
        used_slugs.add(slug)
        org_id = world.uuid()
        born = stream(seed, org_id, None, "created_at")
        organizations.append(
            {
                "id": org_id,
                "name": slug.replace("-", " ").title(),
                "slug": slug,
                "created_at": clock.at(opened, born.seconds_of_day()),
            }
        )
        for number in range(accounts_per_org):
            account_id = world.uuid()
            region = world.choice(REGIONS)
            digits = world.digits(12)
            role = ACCOUNT_ROLES[number % len(ACCOUNT_ROLES)]
            account_rows.append(
                {
                    "id": account_id,
                    "org_id": org_id,
                    "name": f"{slug}-{role}",
                    "aws_account_number": digits,
                    "primary_region": region,
                    "created_at": clock.at(opened, born.seconds_of_day()),
                }
            )
            accounts.append(Account(account_id, org_id, digits, region))
    return organizations, account_rows, accounts


def estate_day(world_seed: int, account: Account, first: dt.date, clock: WorldClock, level: Difficulty) -> DayChanges:
    """Day zero of an account: its estate, seeded waste and decoys, created on the first day of history."""
    builder = Builder(account, clock, stream(world_seed, account.id, None, "estate"), first)
    builder.difficulty = level
    changes = DayChanges(account, first, created=build_estate(builder, first, EstateShape()))
    changes.assign_ids(world_seed)
    return changes
