"""A pinned source: the one model for a benchmark definition's ``[source]`` and a subset
manifest's ``source``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SourceRef(BaseModel):
    """Where a definition's data comes from, pinned: ``git`` + ``rev`` (a full commit id), or
    ``archive`` + ``sha256``; ``subdir`` is the folder in it (``datasets.pull`` fetches it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    git: str | None = None
    rev: str | None = Field(default=None, pattern=r"^[0-9a-f]{40}$")
    archive: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    subdir: str = Field(default="", description="the tasks' folder inside the checkout")

    @model_validator(mode="after")
    def _one_kind(self) -> SourceRef:
        if (self.git is None) == (self.archive is None):
            raise ValueError("give either git and rev, or archive and sha256")
        if self.git is not None and self.rev is None:
            raise ValueError("a git source needs rev (a full commit id)")
        if self.archive is not None and self.sha256 is None:
            raise ValueError("an archive source needs sha256")
        return self

    @property
    def url(self) -> str:
        return self.git or self.archive or ""

    @property
    def pin(self) -> str:
        return self.rev if self.rev else f"sha256-{self.sha256}"
