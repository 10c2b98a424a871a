"""Vectorized text: handles, names, taglines, descriptions, message and post bodies, rare search words.

Every builder draws indices with numpy and assembles strings with polars, so n rows cost one pass.
Texts contain commas and double quotes (CSV must quote them) but never line breaks.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

ADJECTIVES = [
    "quiet",
    "neon",
    "lucky",
    "brave",
    "cosmic",
    "pixel",
    "silent",
    "rapid",
    "golden",
    "hidden",
    "electric",
    "frozen",
    "velvet",
    "crimson",
    "lunar",
    "solar",
    "wild",
    "gentle",
    "sharp",
    "misty",
    "atomic",
    "rusty",
    "sunny",
    "stormy",
    "clever",
    "humble",
    "proud",
    "bold",
    "dusty",
    "shiny",
]
NOUNS = [
    "fox",
    "otter",
    "raven",
    "tiger",
    "whale",
    "panda",
    "falcon",
    "badger",
    "lynx",
    "heron",
    "moth",
    "koala",
    "gecko",
    "wolf",
    "bison",
    "crane",
    "sparrow",
    "mantis",
    "yak",
    "orca",
    "ferret",
    "newt",
    "puffin",
    "marmot",
    "ibis",
    "jackal",
    "lemur",
    "viper",
    "walrus",
    "zebra",
]

ART_WORDS = [
    "Chromatic",
    "Drift",
    "Echo",
    "Garden",
    "Neon",
    "Relic",
    "Static",
    "Bloom",
    "Fragment",
    "Glitch",
    "Horizon",
    "Mosaic",
    "Prism",
    "Quiet",
    "Signal",
    "Tide",
    "Velvet",
    "Woven",
    "Ember",
    "Lattice",
    "Mirage",
    "Orbit",
    "Paper",
    "Ritual",
    "Shard",
    "Canvas",
    "Dune",
    "Fable",
    "Ghost",
    "Halo",
]

PROJECT_PREFIX = [
    "Lumen",
    "Nova",
    "Orbit",
    "Aether",
    "Quanta",
    "Helio",
    "Vector",
    "Pylon",
    "Cobalt",
    "Ember",
    "Nimbus",
    "Atlas",
    "Zenith",
    "Kite",
    "Strata",
    "Tessel",
    "Onyx",
    "Morrow",
    "Vela",
    "Juno",
    "Rune",
    "Harbor",
    "Meridian",
    "Fathom",
    "Cinder",
    "Sable",
    "Tango",
    "Wisp",
    "Yarrow",
    "Cairn",
]
PROJECT_SUFFIX = [
    "Swap",
    "DAO",
    "Vault",
    "Labs",
    "Fi",
    "Pad",
    "Market",
    "Bridge",
    "Pay",
    "Scan",
    "Stake",
    "Mint",
    "Guild",
    "Oracle",
    "Wallet",
    " Protocol",
    " Network",
    " Finance",
    " Studio",
    " Play",
]
PROJECT_ADJ = [
    "A permissionless",
    "An open-source",
    "A gas-efficient",
    "A community-owned",
    "A modular",
    "A privacy-first",
    "A cross-chain",
    "A self-custodial",
    "A lightweight",
    "A composable",
]
PROJECT_NOUN = [
    "lending market",
    "NFT marketplace",
    "DEX aggregator",
    "staking dashboard",
    "payments rail",
    "data indexer",
    "governance toolkit",
    "game engine",
    "identity layer",
    "yield optimizer",
    "launchpad",
    "analytics suite",
    "bridge",
    "wallet",
    "oracle network",
]
AUDIENCE = [
    "builders",
    "DAOs",
    "traders",
    "creators",
    "collectors",
    "gamers",
    "validators",
    "researchers",
    "small teams",
    "everyone",
]
DESC_SECOND = [
    "We ship weekly, audit everything, and publish our metrics.",
    'Backed by a small team of "obsessive" engineers, it has run since the testnet.',
    "Fees are low, settlement is fast, and the code is MIT licensed.",
    'Our roadmap: mainnet, a mobile app, and a "no-seed-phrase" onboarding flow.',
    "Integrations include major wallets, indexers, and two oracle networks.",
    "The token is optional; the product works without it.",
    'Think of it as "Stripe for on-chain apps", minus the paperwork.',
    "",
    "",
]
DESC_THIRD = [
    "Looking for design partners, feedback, and intros to investors.",
    "Join the beta, tell us what breaks.",
    "We are hiring a Rust engineer, remote, part-time is fine.",
    "Grants received from two ecosystems, more to come.",
    "",
    "",
    "",
]

MSG_OPEN = [
    "Hey!",
    "Hi there,",
    "Hello,",
    "gm,",
    "Thanks for the reply.",
    "Quick question:",
    "Hey, sorry for the delay.",
    "Following up,",
    "Nice to meet you.",
    "Yo,",
]
MSG_MIDDLE = [
    "saw your project on the feed, looks great.",
    'do you have docs for the "staking" flow?',
    "would you be open to a short call this week?",
    "we are raising a small pre-seed, happy to share the deck.",
    "can you intro me to the team behind it?",
    "the demo crashed on mobile, FYI.",
    "what chain are you launching on, and when?",
    "I left a comment in the forum, curious what you think.",
    'loved the "gasless" idea, how does it scale?',
    "sending the link now.",
    "the numbers look solid, what is the retention?",
    "let me check with my partners and get back to you.",
]
MSG_CLOSE = ["Cheers", "Thanks!", "Talk soon.", "Best,", "Let me know, thanks.", "", "", "", ":)", "No rush."]

POST_TITLE_A = [
    "Best RPC providers for",
    "Weekly builders thread:",
    "Grants open on",
    "Gas fees on",
    "Hiring thread for",
    "Show your project:",
    "Security review checklist for",
    "Indexing data on",
    "Wallet UX on",
    "Bridges into",
]
POST_TITLE_B = [
    "what do you use?",
    "share your progress",
    "who applied?",
    "any tips?",
    "this month",
    "feedback welcome",
    "lessons learned",
    "2026 edition",
    "a quick comparison",
    "open questions",
]
POST_BODY = [
    "We compared three options, results below, numbers are rough.",
    "Post your project, what you shipped, and what you need.",
    'Has anyone tried the new SDK? The "simple" mode looks promising.',
    "Fees doubled last week, we moved our batch jobs to off-peak hours.",
    "Sharing our checklist: audits, bug bounty, monitoring, and a kill switch.",
    "Looking for co-founders, ideally someone who likes data pipelines.",
    "Quick poll: do you run your own node, or pay for one?",
]

FIRM_A = [
    "Granite",
    "Meridian",
    "Northstar",
    "Blue Harbor",
    "Fjord",
    "Polar",
    "Redwood",
    "Lighthouse",
    "Keystone",
    "Arcadia",
    "Copperline",
    "Open Field",
    "Sundial",
    "Tidewater",
    "Bluestone",
    "Elm Street",
]
FIRM_B = ["Capital", "Ventures", "Partners", "Fund", "Digital", "Labs", "Crypto", "Holdings"]

GAMER_A = [
    "Shadow",
    "Dragon",
    "Night",
    "Iron",
    "Storm",
    "Pixel",
    "Ghost",
    "Frost",
    "Blaze",
    "Viper",
    "Ninja",
    "Rogue",
    "Thunder",
    "Lucky",
    "Crazy",
    "Silent",
    "Hyper",
    "Mega",
    "Dark",
    "King",
]
GAMER_B = [
    "Slayer",
    "Hunter",
    "Wolf",
    "Rider",
    "Master",
    "Knight",
    "Boss",
    "Lord",
    "Fox",
    "Queen",
    "Hawk",
    "Titan",
    "Warrior",
    "Clash",
    "Legend",
    "Sniper",
]
GAMER_EXTRA = ["Ørjan", "小龙", "José", "Zoë", "Ahmet", "Σπύρος", "Łukasz", "Mariña", "Dũng", "Ilkka"]

SYLLABLES = [
    "zor",
    "vak",
    "quel",
    "thryx",
    "mib",
    "oph",
    "dral",
    "ksen",
    "yub",
    "wex",
    "plim",
    "gorth",
    "ixa",
    "snef",
    "trun",
    "bazh",
    "koy",
    "flen",
    "ruq",
    "vosh",
]


def pick(rng: np.random.Generator, pool: list[str], n: int) -> pl.Series:
    """``n`` uniform draws from ``pool``."""
    return pl.Series(pool, dtype=pl.String).gather(rng.integers(0, len(pool), n))


def join(*parts: pl.Series | str) -> pl.Series:
    """Row-wise concatenation of series and literal strings."""
    return pl.select(pl.concat_str([pl.lit(p) for p in parts])).to_series()


def handles(rng: np.random.Generator, n: int) -> pl.Series:
    digits = rng.integers(0, 1000, n)
    with_digits = rng.random(n) < 0.5
    sep = pl.Series(np.where(rng.random(n) < 0.4, "_", ""))
    suffix = pl.Series(np.where(with_digits, digits.astype(str), ""))
    return join(pick(rng, ADJECTIVES, n), sep, pick(rng, NOUNS, n), suffix)


def collection_names(rng: np.random.Generator, n: int) -> list[str]:
    combos = [f"{a} {b}" for a in ART_WORDS for b in ART_WORDS if a != b]
    chosen = rng.choice(len(combos), size=n, replace=False)
    return [combos[i] for i in chosen]


def project_texts(rng: np.random.Generator, chain_names: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(name, tagline, description) per row; ``chain_names`` is the project's chain, one per row."""
    n = chain_names.len()
    name = join(pick(rng, PROJECT_PREFIX, n), pick(rng, PROJECT_SUFFIX, n))
    on_chain = pl.Series(np.where(rng.random(n) < 0.5, 1, 0)).cast(pl.Boolean)
    base_tag = join(pick(rng, PROJECT_ADJ, n), " ", pick(rng, PROJECT_NOUN, n), " for ", pick(rng, AUDIENCE, n))
    tagline = pl.select(
        pl.when(on_chain)
        .then(pl.concat_str([pl.lit(base_tag), pl.lit(" on "), pl.lit(chain_names)]))
        .otherwise(pl.lit(base_tag))
    ).to_series()
    first = join(
        name,
        " is ",
        pick(rng, PROJECT_ADJ, n).str.to_lowercase(),
        " ",
        pick(rng, PROJECT_NOUN, n),
        " on ",
        chain_names,
        ", built for ",
        pick(rng, AUDIENCE, n),
        ".",
    )
    description = join(first, " ", pick(rng, DESC_SECOND, n), " ", pick(rng, DESC_THIRD, n)).str.strip_chars()
    description = description.str.replace_all("  ", " ", literal=True)
    return name, tagline, description


def message_bodies(rng: np.random.Generator, n: int) -> pl.Series:
    return join(pick(rng, MSG_OPEN, n), " ", pick(rng, MSG_MIDDLE, n), " ", pick(rng, MSG_CLOSE, n)).str.strip_chars()


def post_texts(rng: np.random.Generator, chain_names: pl.Series) -> tuple[pl.Series, pl.Series]:
    n = chain_names.len()
    title = join(pick(rng, POST_TITLE_A, n), " ", chain_names, ", ", pick(rng, POST_TITLE_B, n))
    body = join(pick(rng, POST_BODY, n), " ", pick(rng, POST_BODY, n))
    return title, body


def firm_names(rng: np.random.Generator, n: int) -> pl.Series:
    return join(pick(rng, FIRM_A, n), " ", pick(rng, FIRM_B, n))


def gamer_name(rng: np.random.Generator) -> str:
    if rng.random() < 0.1:
        return GAMER_EXTRA[int(rng.integers(0, len(GAMER_EXTRA)))]
    name = GAMER_A[int(rng.integers(0, len(GAMER_A)))] + GAMER_B[int(rng.integers(0, len(GAMER_B)))]
    if rng.random() < 0.4:
        name += str(int(rng.integers(1, 100)))
    return name


def vocabulary() -> set[str]:
    """Every lower-cased word token the text pools can produce."""
    pools = [
        ADJECTIVES,
        NOUNS,
        ART_WORDS,
        PROJECT_PREFIX,
        PROJECT_SUFFIX,
        PROJECT_ADJ,
        PROJECT_NOUN,
        AUDIENCE,
        DESC_SECOND,
        DESC_THIRD,
        MSG_OPEN,
        MSG_MIDDLE,
        MSG_CLOSE,
        POST_TITLE_A,
        POST_TITLE_B,
        POST_BODY,
        FIRM_A,
        FIRM_B,
        GAMER_A,
        GAMER_B,
    ]
    words: set[str] = set()
    for pool in pools:
        for phrase in pool:
            words.update(re.findall(r"[a-z0-9]+", phrase.lower()))
    return words


def rare_words(rng: np.random.Generator, k: int, avoid: set[str]) -> list[str]:
    """``k`` distinct pronounceable non-words (3-4 syllables) absent from ``avoid``."""
    out: list[str] = []
    while len(out) < k:
        n_syl = int(rng.integers(3, 5))
        word = "".join(SYLLABLES[int(i)] for i in rng.integers(0, len(SYLLABLES), n_syl))
        if word not in avoid and word not in out and not any(word in a for a in avoid):
            out.append(word)
    return out
