"""The retrieval renderer: new mouth motion from the avatar's own footage.

For each output frame: a base frame from the idle footage (looped forward and back, no jump cuts),
a target mouth opening (the universal or personalised model, mapped onto this person's own range),
the bank frame whose real mouth best matches it under a temporal-smoothness cost (a Viterbi path
that prefers playing bank frames in their recorded order, as Video Rewrite does), composited into
the base frame."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from videotwin.lipsync.composite import composite  # noqa: F401 - re-exported for pipelines

# Candidate bank frames considered per output frame (nearest in mouth opening).
CANDIDATES = 48
# Costs, in units of the bank's mouth-opening spread: a jump to a non-consecutive bank frame, and
# each unit of mismatch between target and chosen opening.
JUMP_COST = 0.35
MATCH_COST = 1.0
# A mouth from a frame where the head is turned or nodded differently does not fit (a 2-D alignment
# cannot rotate a face in depth): cost per this many degrees of yaw, and per this much pitch ratio.
POSE_COST = 0.5
YAW_UNIT_DEGREES = 6.0
PITCH_UNIT = 0.04
# Below this many standard deviations under the speech frames' mean, the mouth is closed (pauses
# between words that voice activity does not mark; silence itself sits at model.SILENT_Z).
SILENCE_Z = -1.0


def ping_pong(n_out: int, n_idle: int) -> np.ndarray:
    """Idle frame per output frame: 0,1,...,n-1,n-2,...,1,0,1,... (never a jump cut)."""
    if n_idle <= 1:
        return np.zeros(n_out, int)
    period = 2 * (n_idle - 1)
    phase = np.arange(n_out) % period
    return np.where(phase < n_idle, phase, period - phase)


def target_opening(z: np.ndarray, bank_opening: np.ndarray) -> np.ndarray:
    """Map a model's standardised predictions (`model.finish`: unit spread over speech, so the lips use
    the person's whole range, not a regression's shrunk one) onto the person's own opening
    distribution (quantile mapping). Silence and the lowest speech frames close the mouth."""
    from math import erf, sqrt

    quantiles = np.array([0.5 * (1 + erf(v / sqrt(2))) for v in z])
    target = np.quantile(bank_opening, np.clip(quantiles, 0, 1))
    closed = np.quantile(bank_opening, 0.05)
    return np.where(z < SILENCE_Z, np.minimum(target, closed), target)


def pose_mismatch(base_pose: np.ndarray, bank_pose: np.ndarray) -> np.ndarray:
    """base_pose: 2 (one output frame's base frame) or T x 2; bank_pose: N x 2 -> cost N or T x N."""
    base = np.asarray(base_pose)[..., None, :]
    dyaw = np.abs(base[..., 0] - bank_pose[:, 0]) / YAW_UNIT_DEGREES
    dpitch = np.abs(base[..., 1] - bank_pose[:, 1]) / PITCH_UNIT
    return POSE_COST * np.sqrt(dyaw**2 + dpitch**2)


def plan(target: np.ndarray, bank_opening: np.ndarray, base_pose: np.ndarray | None = None,
         bank_pose: np.ndarray | None = None) -> np.ndarray:
    """Bank frame per output frame: the Viterbi path minimising mouth mismatch + pose mismatch + jumps.

    base_pose: T x 2, the pose of each output frame's base frame; bank_pose: N x 2 (see pose_mismatch).
    Bank frames whose opening is not finite (no face found) are never chosen. Memory is T x CANDIDATES,
    so a ten-minute video plans like a ten-second one."""
    usable = np.isfinite(bank_opening)
    if not usable.any():
        raise ValueError("no bank frame has a face")
    spread = max(float(bank_opening[usable].std()), 1e-6)
    opening = np.where(usable, bank_opening, np.inf)
    k = min(CANDIDATES, int(usable.sum()))

    def match_cost(t: int, idx: np.ndarray | None = None) -> np.ndarray:
        rows = opening if idx is None else opening[idx]
        cost = MATCH_COST * np.abs(rows - target[t]) / spread
        if base_pose is not None and bank_pose is not None:
            cost = cost + pose_mismatch(base_pose[t], bank_pose if idx is None else bank_pose[idx])
        return cost

    # The k frames cheapest on mouth and pose together, per output frame.
    cands = np.empty((len(target), k), int)
    for t in range(len(target)):
        cost_all = match_cost(t)
        cands[t] = np.argpartition(cost_all, k - 1)[:k] if k < len(cost_all) else np.argsort(cost_all)[:k]
    cost = match_cost(0, cands[0])
    back = np.zeros(cands.shape, int)
    for t in range(1, len(target)):
        # transition[i, j]: from candidate i at t-1 to candidate j at t
        consecutive = cands[t][None, :] == cands[t - 1][:, None] + 1
        same = cands[t][None, :] == cands[t - 1][:, None]
        transition = np.where(consecutive | same, 0.0, JUMP_COST)
        total = cost[:, None] + transition
        back[t] = np.argmin(total, axis=0)
        cost = total[back[t], np.arange(k)] + match_cost(t, cands[t])
    path = np.zeros(len(target), int)
    j = int(np.argmin(cost))
    for t in range(len(target) - 1, -1, -1):
        path[t] = cands[t][j]
        j = back[t][j]
    return path


def render(base_frames: Callable[[int], np.ndarray], base_landmarks: np.ndarray, base_count: int,
           bank_frames: Callable[[int], np.ndarray], bank_landmarks: np.ndarray, sources: Sequence[int],
           ) -> Iterator[np.ndarray]:
    """Output frames: base frame i (ping-pong over the idle footage) with bank frame sources[i]'s mouth."""
    bases = ping_pong(len(sources), base_count)
    for b, s in zip(bases, sources, strict=True):
        yield composite(base_frames(int(b)), base_landmarks[b], bank_frames(int(s)), bank_landmarks[s])
