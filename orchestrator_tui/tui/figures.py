"""Figures as the TUI labels them (placeholder until the figures work lands)."""

from __future__ import annotations

BAR_CELLS = 10


def confidence_label(confidence: float | None) -> str:
    if confidence is None:
        return ""
    filled = round(confidence * BAR_CELLS)
    colour = "green" if confidence >= 0.6 else "yellow" if confidence >= 0.4 else "red"
    return f"conf [{colour}]{'█' * filled}[/][dim]{'░' * (BAR_CELLS - filled)}[/] {confidence:.2f}"


def verdict_note(attempt, verdict, agreement) -> str:
    score = verdict.score_of(attempt.attempt_id) if verdict else None
    parts = ["★ winner" if attempt.accepted else ""]
    if score is not None:
        parts.append(f"score {score.score:.3f}")
    if verdict and attempt.accepted:
        parts.append(f"consensus {verdict.level} ({verdict.agreement:.2f})")
    if agreement and attempt.accepted:
        parts.append(f"{agreement.agreed} models agree" if agreement.agreed > 1 else "no agreement")
    return "  ".join(p for p in parts if p)


def dashboard_summary(session, budget) -> str:
    n = session.requests
    text = f"${session.cost:.4f} · {n} request{'s' if n != 1 else ''}"
    if budget is not None:
        text += f" · {budget.share:.0%} of daily budget"
    return text
