"""What a training step or run reports: metrics, an optional trace, and divergence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Diverged:
    """Training stopped at `step` because `what` ("loss", "forward value", "gradient", "parameter") of graph
    node `node` (its id in a trace of that step; `label` is its readable name) was NaN or ±Infinity."""

    step: int
    node: str | None
    label: str | None
    what: str

    @property
    def message(self) -> str:
        """One sentence for the student."""
        where = f" at node {self.label} ({self.node})" if self.node else ""
        return (f"training diverged at step {self.step}: a non-finite {self.what}{where}; "
                "the model keeps its last finite parameters (try a smaller learning rate)")

    def to_dict(self) -> dict:
        return {**asdict(self), "message": self.message}


@dataclass
class StepResult:
    """One optimizer step: the step count after it, its loss and accuracy, and the trace when recorded."""

    step: int
    loss: float | None
    accuracy: float | None
    diverged: Diverged | None = None
    trace: dict | None = None

    def to_dict(self) -> dict:
        return {"step": self.step, "loss": self.loss, "accuracy": self.accuracy,
                "diverged": self.diverged.to_dict() if self.diverged else None}


@dataclass
class TrainResult:
    """A training run: steps done in this call, the final step, last metrics and history entries added."""

    step: int
    steps: int
    loss: float | None
    accuracy: float | None
    history: list[dict] = field(default_factory=list)
    diverged: Diverged | None = None
    stopped: bool = False

    def to_dict(self) -> dict:
        return {"step": self.step, "steps": self.steps, "loss": self.loss, "accuracy": self.accuracy,
                "history": self.history, "stopped": self.stopped,
                "diverged": self.diverged.to_dict() if self.diverged else None}
