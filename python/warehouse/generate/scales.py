"""The scale table of benchmarks.md, plus the documented counts for the sources it does not list."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Scale:
    """Row counts of one generated world.

    The first columns are exactly the benchmarks.md table; ``days`` (history length), ``collections``,
    ``chains``, ``intro_requests`` (messages / 20), ``chain_posts`` (2 x projects), ``post_comments``
    (4 x posts), ``investors`` (2% of users, at least 8) and ``search_plants`` are this generator's choices.
    """

    name: str
    nfts: int
    users: int
    votes: int
    sliders: int
    fires: int
    epochs: int
    operators: int
    projects: int
    upvotes: int
    messages: int
    snapshots: int
    members: int
    days: int
    collections: int
    chains: int
    intro_requests: int
    chain_posts: int
    post_comments: int
    investors: int
    search_plants: int

    @property
    def community_events(self) -> int:
        return self.votes + self.sliders + self.fires

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        "tiny",
        nfts=200,
        users=100,
        votes=5_000,
        sliders=1_000,
        fires=300,
        epochs=50,
        operators=8,
        projects=50,
        upvotes=2_000,
        messages=1_000,
        snapshots=10,
        members=20,
        days=30,
        collections=4,
        chains=6,
        intro_requests=50,
        chain_posts=100,
        post_comments=400,
        investors=8,
        search_plants=3,
    ),
    "small": Scale(
        "small",
        nfts=2_000,
        users=1_000,
        votes=50_000,
        sliders=10_000,
        fires=2_000,
        epochs=500,
        operators=16,
        projects=500,
        upvotes=20_000,
        messages=10_000,
        snapshots=60,
        members=50,
        days=90,
        collections=12,
        chains=12,
        intro_requests=500,
        chain_posts=1_000,
        post_comments=4_000,
        investors=20,
        search_plants=5,
    ),
    "standard": Scale(
        "standard",
        nfts=54_312,
        users=20_000,
        votes=1_000_000,
        sliders=200_000,
        fires=30_000,
        epochs=5_000,
        operators=64,
        projects=5_000,
        upvotes=500_000,
        messages=200_000,
        snapshots=365,
        members=50,
        days=365,
        collections=60,
        chains=20,
        intro_requests=10_000,
        chain_posts=10_000,
        post_comments=40_000,
        investors=400,
        search_plants=10,
    ),
    "large": Scale(
        "large",
        nfts=54_312,
        users=100_000,
        votes=10_000_000,
        sliders=2_000_000,
        fires=300_000,
        epochs=20_000,
        operators=128,
        projects=20_000,
        upvotes=5_000_000,
        messages=2_000_000,
        snapshots=730,
        members=50,
        days=730,
        collections=60,
        chains=24,
        intro_requests=100_000,
        chain_posts=40_000,
        post_comments=160_000,
        investors=2_000,
        search_plants=10,
    ),
}
