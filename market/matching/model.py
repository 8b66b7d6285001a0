"""The relevance model: the chance that a broker would introduce two parties, from a pair's evidence (pure).

A logistic regression over standardised features (`scoring.features`). Its parameters are fitted on judged
pairs (`market fit-matching`, cross-validated by query) and committed as `match_model.json`; brokers'
decisions refit it in production, pulled towards the committed parameters so that a few decisions move it
a little and many move it more.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).with_name("match_model.json")


@dataclass
class MatchModel:
    """Standardise each feature, weigh, add the intercept, squash: a probability."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    about: dict = field(default_factory=dict)  # how and on what it was fitted, its cross-validated quality

    def matrix(self, rows: list[dict]) -> np.ndarray:
        """Standardised feature rows (a missing feature counts as its training mean)."""
        raw = np.array(
            [[float(row.get(name, mean)) for name, mean in zip(self.features, self.mean)] for row in rows],
            dtype=float,
        ).reshape(len(rows), len(self.features))
        return (raw - np.array(self.mean)) / np.array(self.scale)

    def logits(self, rows: list[dict]) -> np.ndarray:
        return self.matrix(rows) @ np.array(self.coef) + self.intercept

    def probabilities(self, rows: list[dict]) -> list[float]:
        return [float(p) for p in _sigmoid(self.logits(rows))] if rows else []

    def probability(self, row: dict) -> float:
        return self.probabilities([row])[0]

    def to_dict(self) -> dict:
        return {
            "features": self.features,
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "coef": _rounded(self.coef),
            "intercept": round(float(self.intercept), 6),
            "about": self.about,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "MatchModel":
        return cls(
            list(data["features"]),
            list(data["mean"]),
            list(data["scale"]),
            list(data["coef"]),
            float(data["intercept"]),
            dict(data.get("about") or {}),
        )


def _rounded(values) -> list[float]:
    return [round(float(v), 6) for v in values]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z, -35, 35)))


_committed: MatchModel | None = None


def committed() -> MatchModel:
    """The model fitted on the judged pairs and committed with the code."""
    global _committed
    if _committed is None:
        _committed = MatchModel.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
    return _committed


def save(model: MatchModel, path: Path = MODEL_FILE) -> None:
    path.write_text(json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# ---- fitting --------------------------------------------------------------------------------------------


def _newton(
    x: np.ndarray, y: np.ndarray, anchor: np.ndarray, ridge: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Weighted log-loss plus ½·(θ − anchor)ᵀ·diag(ridge)·(θ − anchor), minimised by damped Newton steps;
    the last column of x is the intercept."""
    theta = anchor.copy()
    penalty = np.diag(ridge)
    for _ in range(100):
        p = _sigmoid(x @ theta)
        gradient = x.T @ (weights * (p - y)) + penalty @ (theta - anchor)
        hessian = (x * (weights * p * (1 - p))[:, None]).T @ x + penalty + 1e-9 * np.eye(len(theta))
        step = np.linalg.solve(hessian, gradient)
        step *= min(1.0, 2.0 / max(float(np.max(np.abs(step))), 1e-12))
        theta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return theta


def fit(
    rows: list[dict],
    labels: list[bool],
    names: list[str],
    l2: float = 1.0,
    weights: list[float] | None = None,
    unlearned: tuple[str, ...] = (),
) -> MatchModel:
    """A logistic regression of labels on the named features, with an L2 penalty on the standardised weights.

    Features in `unlearned` are kept with weight 0 and left unscaled: the data cannot speak to them, brokers'
    decisions may (`refit`)."""
    learned = [name for name in names if name not in unlearned]
    raw = np.array([[float(row.get(name, 0.0)) for name in learned] for row in rows], dtype=float)
    mean, scale = raw.mean(axis=0), raw.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = np.hstack([(raw - mean) / scale, np.ones((len(rows), 1))])
    y = np.array(labels, dtype=float)
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=float)
    prevalence = min(max(float(np.average(y, weights=w)), 1e-4), 1 - 1e-4)
    anchor = np.append(np.zeros(len(learned)), math.log(prevalence / (1 - prevalence)))
    theta = _newton(x, y, anchor, np.append(np.full(len(learned), l2), 1e-6), w)
    fitted = dict(zip(learned, zip(mean, scale, theta[:-1])))
    columns = [fitted.get(name, (0.0, 1.0, 0.0)) for name in names]
    return MatchModel(
        list(names),
        [c[0] for c in columns],
        [c[1] for c in columns],
        [c[2] for c in columns],
        float(theta[-1]),
    )


MIN_DECISIONS = 20  # fewer decisions than this, or only one kind: the committed model stands
DECISION_PULL = 25.0  # how strongly a refit is held to the committed parameters (in decisions' worth)


def refit(base: MatchModel, examples: list[tuple[dict, bool]]) -> MatchModel:
    """The base model refitted to brokers' decisions (a pair's features, accepted?), its weights pulled
    towards the base's: with few decisions they barely move; the standardisation stays the base's."""
    accepted = sum(1 for _, ok in examples if ok)
    if len(examples) < MIN_DECISIONS or accepted in (0, len(examples)):
        return base
    x = np.hstack([base.matrix([f for f, _ in examples]), np.ones((len(examples), 1))])
    y = np.array([1.0 if ok else 0.0 for _, ok in examples])
    anchor = np.append(np.array(base.coef, dtype=float), base.intercept)
    # The intercept is nearly free: how often brokers accept what they are shown is not how often judged pairs
    # were relevant; the weights, which say what evidence matters, are held to the committed ones.
    ridge = np.append(np.full(len(base.coef), DECISION_PULL), 0.01)
    theta = _newton(x, y, anchor, ridge, np.ones(len(examples)))
    about = {**base.about, "refitted_on_decisions": len(examples)}
    return MatchModel(base.features, base.mean, base.scale, list(theta[:-1]), float(theta[-1]), about)


def cross_validated(
    rows: list[dict],
    labels: list[bool],
    groups: list,
    names: list[str],
    l2: float = 1.0,
    folds: int = 5,
    weights: list[float] | None = None,
    unlearned: tuple[str, ...] = (),
) -> list[float]:
    """Out-of-fold probabilities: each group (a query) is predicted by a model fitted without it."""
    order = sorted(set(groups), key=str)
    fold_of = {g: n % folds for n, g in enumerate(order)}
    out = [0.0] * len(rows)
    for fold in range(folds):
        train = [i for i, g in enumerate(groups) if fold_of[g] != fold]
        test = [i for i, g in enumerate(groups) if fold_of[g] == fold]
        if not test:
            continue
        model = fit(
            [rows[i] for i in train],
            [labels[i] for i in train],
            names,
            l2,
            None if weights is None else [weights[i] for i in train],
            unlearned,
        )
        for i, p in zip(test, model.probabilities([rows[i] for i in test])):
            out[i] = p
    return out


# ---- reading a model's quality --------------------------------------------------------------------------


def reliability(probabilities: list[float], relevant: list[bool], bins: int = 10) -> list[dict]:
    """Per probability decile: pairs, mean predicted probability, share actually relevant."""
    table = []
    for n in range(bins):
        lo, hi = n / bins, (n + 1) / bins
        inside = [
            (p, r) for p, r in zip(probabilities, relevant) if lo <= p < hi or (n == bins - 1 and p == 1.0)
        ]
        table.append(
            {
                "range": f"{lo:.1f}–{hi:.1f}",
                "pairs": len(inside),
                "predicted": sum(p for p, _ in inside) / len(inside) if inside else None,
                "relevant": sum(r for _, r in inside) / len(inside) if inside else None,
            }
        )
    return table


def band_table(bands: list[str], grades: list[int | None]) -> list[dict]:
    """Per band: judged pairs, share relevant (grade ≥ 2), share unrelated (grade 0); unjudged pairs counted
    apart."""
    table = []
    for band in ("强", "中", "弱"):
        judged = [g for b, g in zip(bands, grades) if b == band and g is not None]
        unjudged = sum(1 for b, g in zip(bands, grades) if b == band and g is None)
        table.append(
            {
                "band": band,
                "judged": len(judged),
                "unjudged": unjudged,
                "relevant": sum(g >= 2 for g in judged) / len(judged) if judged else None,
                "unrelated": sum(g == 0 for g in judged) / len(judged) if judged else None,
            }
        )
    return table
