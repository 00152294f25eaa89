"""Response bodies of the API, with the examples shown in the OpenAPI docs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.db import Analysis, Status
from service.links import analysis_links

_ID = "an_3f9c2d7e1b5a48c06d2e9f1a"
_EXAMPLE: dict[str, Any] = {
    "id": _ID,
    "status": "running",
    "stage": "landmarks",
    "progress": 0.42,
    "created_at": "2025-01-31T09:12:03Z",
    "started_at": "2025-01-31T09:12:04Z",
    "finished_at": None,
    "expires_at": "2025-03-02T09:12:03Z",
    "filename": "mock-interview.webm",
    "size_bytes": 48213377,
    "media": {"duration_ms": 1834000, "width": 1280, "height": 720, "codec": "vp8", "fps": 30.0},
    "options": {
        "fps": 5.0,
        "participant": "auto",
        "annotate": False,
        "keep_video": False,
        "webhook_url": "https://example.com/hooks/cuewatch",
    },
    "attempts": 1,
    "video_retained": True,
    "warnings": [],
    "error": None,
    "links": analysis_links(_ID),
}


class ErrorInfo(BaseModel):
    """Why an analysis failed."""

    reason: str = Field(examples=["undecodable_video"])
    detail: str = Field(examples=["cannot decode 'call.mp4': no video stream"])


class AnalysisOut(BaseModel):
    """An analysis: its upload, options, state, and links to its parts."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    id: str
    status: Status
    stage: str = Field(description="what the job is doing: queued, decode, landmarks, ...")
    progress: float = Field(ge=0.0, le=1.0)
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime = Field(description="when the analysis and its files are deleted")
    filename: str
    size_bytes: int
    media: dict[str, Any] = Field(description="what the container says about the video")
    options: dict[str, Any]
    attempts: int = Field(description="runs started (more than one if a worker died)")
    video_retained: bool = Field(description="whether the uploaded video is still stored")
    warnings: list[str]
    error: ErrorInfo | None
    links: dict[str, str]

    @classmethod
    def of(cls, row: Analysis) -> AnalysisOut:
        """The API view of an analysis row."""
        error = (
            ErrorInfo(reason=row.error_reason, detail=row.error_detail or "")
            if (row.error_reason)
            else None
        )
        return cls(
            id=row.id,
            status=Status(row.status),
            stage=row.stage,
            progress=row.progress,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            expires_at=row.expires_at,
            filename=row.filename,
            size_bytes=row.size_bytes,
            media=row.media,
            options=row.options,
            attempts=row.attempts,
            video_retained=row.video_name is not None,
            warnings=row.warnings,
            error=error,
            links=analysis_links(row.id, annotated=bool(row.options.get("annotate"))),
        )


class AnalysisPage(BaseModel):
    """One page of the client's analyses, newest first."""

    items: list[AnalysisOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page",
        examples=["MTI"],
    )


class WindowsOut(BaseModel):
    """The result's time windows, each with its disengagement score and coverage."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "analysis_id": _ID,
                    "windows": [
                        {
                            "start_ms": 0,
                            "end_ms": 30000,
                            "coverage": 0.97,
                            "disengagement_score": 12.5,
                            "components": {"away": 0.08},
                        }
                    ],
                }
            ]
        }
    )

    analysis_id: str
    windows: list[dict[str, Any]]


class EventsOut(BaseModel):
    """The result's events (eye contact lost, note taking, face absent, ...)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "analysis_id": _ID,
                    "events": [
                        {
                            "type": "looking_away",
                            "start_ms": 41200,
                            "end_ms": 44800,
                            "confidence": 0.81,
                            "detail": {},
                        }
                    ],
                }
            ]
        }
    )

    analysis_id: str
    events: list[dict[str, Any]]


class TurnsOut(BaseModel):
    """The conversation: whether the recording had sound and speech, its turns (candidate
    turns with the interviewer's state shares during them) and the talk shares."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "analysis_id": _ID,
                    "audio": "speech",
                    "turns": [
                        {
                            "id": "t2",
                            "start_ms": 9000,
                            "end_ms": 24100,
                            "speaker": "p1",
                            "role": "candidate",
                            "interviewer": {"screen": 0.62, "away": 0.3, "note_taking": 0.0},
                        }
                    ],
                    "talk_share": {"interviewer": 0.31, "candidate": 0.58, "silence": 0.11},
                }
            ]
        }
    )

    analysis_id: str
    audio: str = Field(description="speech | no_speech | no_audio")
    turns: list[dict[str, Any]]
    talk_share: dict[str, float]


class ProblemOut(BaseModel):
    """An RFC 9457 problem: what every error answer looks like."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:cuewatch:problem:not-found",
                    "title": "Not Found",
                    "status": 404,
                    "detail": f"no analysis {_ID!r}",
                    "instance": f"/v1/analyses/{_ID}",
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str


class WebhookSecretOut(BaseModel):
    """The secret that signs this client's webhooks (Standard Webhooks `whsec_` form)."""

    secret: str = Field(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class Health(BaseModel):
    """Liveness or readiness, with one line per checked dependency."""

    status: str = Field(examples=["ok"])
    checks: dict[str, str] = Field(default_factory=dict, examples=[{"database": "ok"}])


class VideoLinkOut(BaseModel):
    """A short-lived link that opens the kept video without an API key (for a `<video src>`)."""

    url: str = Field(
        examples=[
            f"/v1/analyses/{_ID}/video?token=1738318323."
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        ]
    )
    expires_at: datetime = Field(description="when the link stops working")
