"""Settings of a running server, read from BACKPROP_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parents[1]  # in a checkout: server/backprop_playground/settings.py
# An installed wheel carries the front end (and its npm packages) as package data in backprop_playground/web
# (setup.py); a checkout, or an editable install of one, serves the checkout's web/ and keeps its data/.
IN_CHECKOUT = not (PACKAGE / "web").is_dir() and (ROOT / "web" / "package.json").is_file()
DEFAULT_WEB_DIR = ROOT / "web" if IN_CHECKOUT else PACKAGE / "web"


def default_data_dir() -> Path:
    """The checkout's data/, or, for an installed package, ./data under the directory the server starts in."""
    return ROOT / "data" if IN_CHECKOUT else Path.cwd() / "data"


class Settings(BaseSettings):
    """Everything an operator can configure; each field is BACKPROP_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="BACKPROP_", extra="ignore")
    # One Field per setting, each with its own default, bounds and description, on purpose: this class is
    # the operator's reference (and /docs' schema), so the declarations look alike.

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the SQLite database lives (default: the checkout's data/; installed, ./data).",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/playground.db (WAL)."
    )
    web_dir: Path = Field(
        default=DEFAULT_WEB_DIR,
        description="Static front end (default: the installed package's web/, or the checkout's).",
    )
    web_build: Literal["auto", "off"] = Field(
        default="auto",
        description="'auto': serve the front end's build (web/dist: bundled, minified, precompressed, "
        "content-hashed) while it matches the sources, else the plain modules; 'off': always the plain "
        "modules.",
    )
    lessons_dir: Path | None = Field(
        default=None,
        description="A folder of lesson files (docs/lessons.md) shown after the built-in lessons, read again "
        "when a file in it changes; a file that cannot be read is listed with its error.",
    )
    lessons_replace: bool = Field(
        default=False,
        description="Show only the lessons of `lessons_dir`, none of the built-in ones.",
    )
    frame_ancestors: str = Field(
        default="*",
        description="Who may embed the app in an iframe: '*' anyone, decks opened from disk too (no CSP "
        "frame-ancestors is sent); otherwise a CSP frame-ancestors source list.",
    )
    max_body_bytes: int = Field(default=2_000_000, description="Largest accepted request body.")
    max_cpu_jobs: int = Field(default=4, description="Concurrent CPU jobs before 503 + Retry-After.")
    max_cpu_jobs_per_client: int = Field(
        default=2, ge=1, description="Concurrent CPU jobs of one client before 429 + Retry-After."
    )
    client_ip_header: str | None = Field(
        default=None,
        description="Behind a reverse proxy: the header whose last address is the client (e.g. "
        "X-Forwarded-For), believed only from `trusted_proxies`. Unset: the connection's peer address.",
    )
    trusted_proxies: str | None = Field(
        default=None,
        description="The reverse proxies whose forwarded headers are believed: comma-separated addresses or "
        "networks (e.g. 127.0.0.1 or 10.0.0.0/8). Unset: none; every client is its connection's peer "
        "address, and X-Forwarded-For or Forwarded from anyone is ignored.",
    )
    request_time_budget_s: float = Field(default=30.0, description="Longest CPU time one request may take.")
    retry_after_s: int = Field(default=1, description="Retry-After (s) of a 503 when all CPU slots are busy.")
    limits: dict[str, int] = Field(
        default_factory=dict,
        description='Overrides of nets.limits.Limits, e.g. BACKPROP_LIMITS=\'{"steps": 5000}\'.',
    )
    trace_rows: int = Field(default=8, description="Rows a trace shows when the client does not say.")
    media_jobs: bool = Field(
        default=False,
        description="Render GIFs and MP4s as API jobs (POST /media): one at a time in a child process, with "
        "Playwright, Chromium and ffmpeg installed (pip install 'backprop-playground[media]'). Off: 501.",
    )
    trace_cache_mb: float = Field(
        default=64.0, ge=0,
        description="Memory for traces kept to answer identical requests again (POST /specs/step, "
        "POST /expressions: a hall's followers asking for the same lesson), least recently used first "
        "out; an answer over a quarter of it is not kept (0: none kept).",
    )
    trace_cache_entries: int = Field(
        default=1024, ge=0, description="Traces kept to answer identical requests again, at most (0: none)."
    )
    persist_every_s: float = Field(
        default=2.0, description="Longest time training or streaming runs before the model is saved again."
    )
    stream_persist_every_s: float = Field(
        default=2.0,
        description="Longest time a stream steps before the model is saved (also saved when it closes).",
    )
    heavy_step_s: float = Field(
        default=0.05, description="Stream steps costlier than this run on the heavy lane, apart."
    )
    max_streams_per_client: int = Field(default=8, ge=1, description="Open streams of one client.")
    stream_send_timeout_s: float = Field(
        default=10.0, description="A stream whose client reads nothing for this long is closed."
    )
    cached_models: int = Field(default=512, description="Models kept in memory between requests.")
    cached_models_mb: int = Field(
        default=512, ge=1, description="Estimated memory of the models kept between requests, at most (MB)."
    )
    request_memory_mb: int = Field(
        default=512, ge=1, description="Estimated memory one request may take (MB); 413 beyond."
    )
    memory_budget_mb: int = Field(
        default=1536, ge=1,
        description="Estimated memory of all running requests together (MB); 503 + Retry-After beyond.",
    )
    max_models: int = Field(
        default=100_000, ge=1, description="Models the database keeps at most; creating more answers 409."
    )
    max_stream_rate: float = Field(
        default=60.0,
        description="Fastest 'play' rate that traces every step, steps/s; faster rates fast-forward.",
    )
    max_play_rate: float = Field(
        default=2000.0, gt=0,
        description="Fastest numeric 'play' rate, steps/s, when fast-forwarding (untraced steps between "
        "frames); 'max' asks for as many as the stream's fair share of its lane gives.",
    )
    max_stream_fps: float = Field(
        default=30.0, gt=0, le=120,
        description="Traced frames a fast-forwarding stream sends per second, at most (a client may ask "
        "for fewer with config.fps).",
    )
    model_ttl_s: float = Field(
        default=7 * 24 * 3600.0, gt=0, description="Models unused for this long are deleted."
    )
    model_creates_per_minute: int = Field(
        default=60, ge=0, description="Models one client may create per minute (0: no limit)."
    )
    max_models_per_client: int = Field(
        default=1000, ge=1, description="Stored models one client created, at most (429 beyond)."
    )
    max_model_bytes_per_client: int = Field(
        default=250_000_000, ge=1,
        description="Bytes of stored models (their saved state) one client keeps, at most: a create that "
        "would exceed it answers 429; saves of existing models are not refused (their size counts for the "
        "next create).",
    )
    disk_reserve_mb: int = Field(
        default=1, ge=0,
        description="Size of the reserve file kept beside the SQLite database (<database>.reserve): given "
        "back when a delete fails for lack of space, so space can always be freed (0: none).",
    )

    public_url: str | None = Field(
        default=None,
        description="The address people use to reach the app (e.g. https://playground.example.org), for "
        "a room's join link and QR code; unset, the address of the request that created the room.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for classroom rooms shared by several replicas (redis://host:6379/0; "
        "pip install '.[redis]'); unset, rooms live in this process.",
    )
    max_rooms: int = Field(default=200, ge=1, description="Live classroom rooms at most (503 beyond).")
    room_creates_per_minute: int = Field(
        default=10, ge=0, description="Rooms one client may create per minute (0: no limit)."
    )
    room_max_followers: int = Field(default=5000, ge=1, description="Followers of one room (4429 beyond).")
    room_streams_per_client: int = Field(
        default=500, ge=1,
        description="Open room connections of one client (4429 beyond); a hall behind one address is one "
        "client.",
    )
    room_ttl_s: float = Field(
        default=2 * 3600.0, gt=0,
        description="A room ends after this long without a presenter message and no presenter connected.",
    )
    room_unpresented_ttl_s: float = Field(
        default=600.0, gt=0,
        description="A room no presenter has connected to ends after this long (a room made and never used).",
    )
    rooms_per_client: int = Field(
        default=5, ge=1,
        description="Live rooms one client may keep (429 beyond; an IPv6 /64 is one client).",
    )
    room_misses_per_minute: int = Field(
        default=30, ge=0,
        description="Lookups of room codes that do not exist, per client and minute (429 beyond; 0: no "
        "limit); lookups of live rooms are not counted (a whole hall may join from one address).",
    )

    @field_validator("frame_ancestors")
    @classmethod
    def _one_source_list(cls, value: str) -> str:
        """A source list only: nothing that could end the directive or the header and start another."""
        value = " ".join(value.split())
        if not value or any(c in value for c in ";,") or not value.isprintable():
            raise ValueError(
                "frame_ancestors must be '*' or a CSP source list such as \"'self' https://slides.example.org\""
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str | None) -> str | None:
        from backprop_playground.admission.fair import trusted_networks

        trusted_networks(value)  # ValueError naming a bad entry
        return value

    @model_validator(mode="after")
    def _header_needs_a_proxy(self) -> Settings:
        if self.client_ip_header and not self.trusted_proxies:
            raise ValueError("client_ip_header is believed only from a named proxy: set trusted_proxies too "
                             "(BACKPROP_TRUSTED_PROXIES, e.g. the proxy's address 127.0.0.1)")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'playground.db'}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests override this dependency or pass Settings to create_app."""
    return Settings()
