"""The staking domain: one JSON document per domain epoch (operators, stakes, rewards, share prices).

Epochs last 600 +/- 5 domain blocks of ~6 s (about one hour). Operators register, deregister (shown as
``Deregistered`` for 1-3 epochs while their stake unlocks, then gone) and some register again later.
Share prices (Perquintill, 1e18 = 1.0) grow with rewards net of the nomination tax and are published only
for operators with a deposit or withdrawal in that epoch. Amounts are exact Python ints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from .amounts import TOKEN, encode_amount
from .clock import iso_one

DOMAIN_ID = 0
BLOCK_MS = 6_000
BLOCKS_PER_EPOCH = 600
EPOCH_MS = BLOCKS_PER_EPOCH * BLOCK_MS
ANNUAL_YIELD = 0.08
EPOCHS_PER_YEAR = 365 * 24
FLOW_SHARE = 0.1  # operator-epochs with a deposit or withdrawal
WITHDRAW_MIN, WITHDRAW_MAX = 0.005, 0.06  # share of an operator's shares withdrawn
WITHDRAW_MEAN = (WITHDRAW_MIN + WITHDRAW_MAX) / 2
TAX_CHOICES = np.array([0, 2, 5, 5, 10, 10, 15, 20])
MIN_NOMINATOR_TOKENS = np.array([1, 10, 10, 100, 1_000])

REGISTERED, DEREGISTERED, ABSENT = 1, 2, 0


@dataclass
class StakingState:
    """Everything needed to continue the epoch sequence (JSON-serializable via ``to_json``)."""

    next_epoch: int
    end_block: int
    last_timestamp_ms: int
    mean_registered: float
    mean_absent: float
    deposit_share: float
    status: list[int]
    spell_left: list[int]
    shares: list[int]
    perq: list[int]
    tax: list[int]
    min_nominator: list[int]
    signing_key: list[str]

    def to_json(self) -> dict:
        doc = asdict(self)
        for key in ("shares", "perq", "min_nominator"):
            doc[key] = [str(v) for v in doc[key]]
        return doc

    @classmethod
    def from_json(cls, doc: dict) -> StakingState:
        doc = dict(doc)
        for key in ("shares", "perq", "min_nominator"):
            doc[key] = [int(v) for v in doc[key]]
        return cls(**doc)


def _key(rng: np.random.Generator) -> str:
    return "0x" + rng.bytes(32).hex()


def _deposit(rng: np.random.Generator, median_tokens: float, size: int, sigma: float = 0.8) -> list[int]:
    """Deposit amounts in base units: half round token amounts, half with micro-token precision."""
    tokens = rng.lognormal(np.log(median_tokens), sigma, size)
    micro = np.where(rng.random(size) < 0.5, np.rint(tokens) * 1e6, np.rint(tokens * 1e6)).astype(np.int64)
    return [int(m) * 10**12 for m in micro]


def initial_state(rng: np.random.Generator, n_operators: int, n_epochs: int, last_timestamp_ms: int) -> StakingState:
    """Genesis: a few operators registered, the others entering at random epochs of the first 80%."""
    mean_registered = max(12.0, 0.4 * n_epochs)
    mean_absent = max(4.0, 0.08 * n_epochs)
    # median deposit (as a share of stake) that, net of withdrawals, grows an operator's stake ~1.6x over
    # the history; exp(0.32) is the mean of the deposit's lognormal factor
    deposit_share = (0.5 / n_epochs / FLOW_SHARE + 0.35 * WITHDRAW_MEAN) / 0.65 / np.exp(0.32)
    registered = rng.random(n_operators) < 0.3
    registered[: max(2, n_operators // 8)] = True
    spell = np.where(
        registered,
        rng.geometric(1 / mean_registered, n_operators),
        rng.integers(1, max(2, int(0.8 * n_epochs)), n_operators),
    )
    perq = [TOKEN] * n_operators
    deposits = _deposit(rng, 150_000, n_operators)
    return StakingState(
        next_epoch=0,
        end_block=0,
        last_timestamp_ms=last_timestamp_ms,
        mean_registered=mean_registered,
        mean_absent=mean_absent,
        deposit_share=float(deposit_share),
        status=[REGISTERED if r else ABSENT for r in registered.tolist()],
        spell_left=[int(s) for s in spell],
        shares=[d if r else 0 for d, r in zip(deposits, registered.tolist(), strict=True)],
        perq=perq,
        tax=[int(t) for t in rng.choice(TAX_CHOICES, n_operators)],
        min_nominator=[int(t) * TOKEN for t in rng.choice(MIN_NOMINATOR_TOKENS, n_operators)],
        signing_key=[_key(rng) for _ in range(n_operators)],
    )


def epochs(rng: np.random.Generator, state: StakingState, n: int) -> Iterator[dict]:
    """Yield the next ``n`` epoch documents; ``state`` is fully advanced once the generator is exhausted."""
    n_ops = len(state.status)
    status = np.array(state.status, dtype=np.int64)
    spell = np.array(state.spell_left, dtype=np.int64)
    shares = np.array(state.shares, dtype=object)
    perq = np.array(state.perq, dtype=object)
    tax = np.array(state.tax, dtype=np.int64)
    per_epoch_yield = ANNUAL_YIELD / EPOCHS_PER_YEAR
    for _ in range(n):
        epoch = state.next_epoch
        before = status.copy()
        spell -= 1
        ending = spell <= 0
        leave = ending & (before == REGISTERED)
        gone = ending & (before == DEREGISTERED)
        join = ending & (before == ABSENT)
        status[leave] = DEREGISTERED
        spell[leave] = rng.integers(1, 4, int(leave.sum()))
        status[gone] = ABSENT
        spell[gone] = rng.geometric(1 / state.mean_absent, int(gone.sum()))
        shares[gone] = 0
        status[join] = REGISTERED
        spell[join] = rng.geometric(1 / state.mean_registered, int(join.sum()))
        for op in np.flatnonzero(join).tolist():
            shares[op] = _deposit(rng, 100_000, 1)[0] * TOKEN // perq[op]
            tax[op] = int(rng.choice(TAX_CHOICES))
            if state.signing_key[op] and rng.random() < 0.5:
                state.signing_key[op] = _key(rng)

        active = status == REGISTERED
        tax_change = active & (rng.random(n_ops) < 0.001)
        tax[tax_change] = rng.choice(TAX_CHOICES, int(tax_change.sum()))
        growth = per_epoch_yield * rng.lognormal(0.0, 0.35, n_ops) * (1 - tax / 100.0)
        perq_float = perq.astype(np.float64)
        dperq = np.where(active, np.floor(perq_float * growth), 0).astype(np.int64).astype(object)
        gross_reward = shares * dperq // TOKEN * 100 // (100 - tax).astype(object)
        perq = perq + dperq

        flow = active & ~join & (rng.random(n_ops) < FLOW_SHARE)
        deposit = flow & (rng.random(n_ops) < 0.65)
        withdraw = flow & ~deposit
        for op in np.flatnonzero(deposit).tolist():
            stake_tokens = float(shares[op] * perq[op] // TOKEN // TOKEN)
            amount = _deposit(rng, max(1.0, stake_tokens * state.deposit_share), 1)[0]
            shares[op] += amount * TOKEN // perq[op]
        for op in np.flatnonzero(withdraw).tolist():
            part = int(rng.uniform(WITHDRAW_MIN, WITHDRAW_MAX) * 1_000_000)
            shares[op] -= shares[op] * part // 1_000_000
        stake = shares * perq // TOKEN

        blocks = int(rng.integers(BLOCKS_PER_EPOCH - 5, BLOCKS_PER_EPOCH + 6))
        state.end_block += blocks
        state.last_timestamp_ms += blocks * BLOCK_MS + int(rng.integers(-1_500, 1_500))
        priced = flow | join | (active if epoch == 0 else False)
        state.next_epoch += 1
        yield _document(rng, state, epoch, status, shares, perq, stake, gross_reward, tax, priced)

    state.status = status.tolist()
    state.spell_left = spell.tolist()
    state.shares = [int(v) for v in shares]
    state.perq = [int(v) for v in perq]
    state.tax = tax.tolist()


def _document(
    rng: np.random.Generator,
    state: StakingState,
    epoch: int,
    status: np.ndarray,
    shares: np.ndarray,
    perq: np.ndarray,
    stake: np.ndarray,
    reward: np.ndarray,
    tax: np.ndarray,
    priced: np.ndarray,
) -> dict:
    listed = np.flatnonzero(status != ABSENT).tolist()
    active = [op for op in listed if status[op] == REGISTERED]
    draws = iter(rng.random(3 * len(active) + 3 * len(listed) + int(priced.sum()) + 1).tolist())
    enc = encode_amount
    total = sum(int(stake[op]) for op in active)
    summary = {
        "currentEpochIndex": epoch,
        "currentTotalStake": enc(total, next(draws)),
        "currentOperators": {str(op): enc(int(stake[op]), next(draws)) for op in active},
        "currentEpochRewards": {str(op): enc(int(reward[op]), next(draws)) for op in active},
    }
    entries = [
        {
            "key": [op],
            "value": {
                "currentTotalStake": enc(int(stake[op]), next(draws)),
                "currentTotalShares": enc(int(shares[op]), next(draws)),
                "nominationTax": int(tax[op]),
                "minimumNominatorStake": enc(state.min_nominator[op], next(draws)),
                "signingKey": state.signing_key[op],
                "partialStatus": "Registered" if status[op] == REGISTERED else "Deregistered",
            },
        }
        for op in listed
    ]
    prices = [
        {"key": [op, [DOMAIN_ID, epoch]], "value": enc(int(perq[op]), next(draws))}
        for op in np.flatnonzero(priced).tolist()
    ]
    return {
        "epoch": epoch,
        "domainId": DOMAIN_ID,
        "endBlock": state.end_block,
        "endHash": "0x" + rng.bytes(32).hex(),
        "timestamp": iso_one(state.last_timestamp_ms),
        "data": {
            "domainStakingSummary": summary,
            "operators": {"entries": entries},
            "operatorEpochSharePrice": {"entries": prices},
        },
    }
