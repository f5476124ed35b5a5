"""Settings: built-in defaults, ``config/default.toml``, a local file, the environment.

Each later layer overrides the earlier ones; the whole is validated once at
start-up and a mistake is reported as one clear sentence. Every setting
``section.key`` can be set from the environment as ``BOT_SECTION_KEY``
(``corpus.dir`` is ``BOT_CORPUS_DIR``, ``db.path`` is ``BOT_DB_PATH``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import SettingsError

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# Settings whose relative paths name the bot's own files (the built-in corpus), and
# those that name what it writes (the query log, the saved index).
_BUILTIN_PATH_KEYS = ("corpus.dir",)
_STATE_PATH_KEYS = ("db.path", "corpus.index_cache", "semantic.cache_dir")
# Settings that hold a path or a name: a value starting "./" or "../" is a path.
_NAME_OR_PATH_KEYS = ("semantic.model",)


def builtin_root() -> Path:
    """Where the built-in corpus (``seeds/``) and default settings (``config/``) are: the
    source checkout, or the installed package, which ships them as package data."""
    if (PROJECT_ROOT / "config" / "default.toml").is_file():
        return PROJECT_ROOT
    return PACKAGE_DIR


STATE_ENV = "CORPUS_BOT_STATE_DIR"


def state_root() -> Path:
    """Where the default settings put the query log and the saved index (their ``data/``):
    ``$CORPUS_BOT_STATE_DIR`` when set; else the source checkout; installed, the user's
    state folder (``$XDG_STATE_HOME`` or ``~/.local/state``, then ``corpus-bot``)."""
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    if builtin_root() == PROJECT_ROOT:
        return PROJECT_ROOT
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "corpus-bot"


def default_config() -> Path:
    """The default settings file (``config/default.toml``)."""
    return builtin_root() / "config" / "default.toml"


DEFAULT_CONFIG = default_config()


@dataclass(frozen=True)
class CorpusSettings:
    """Where the corpus lives and how files are read."""

    dir: str = "seeds"
    url_template: str = ""
    extensions: tuple[str, ...] = (".md", ".markdown", ".mdx", ".txt")
    max_file_bytes: int = 5_000_000
    index_cache: str = "data/index"
    workers: int = 0


@dataclass(frozen=True)
class SearchSettings:
    """Ranking: field weights, BM25 parameters, typo tolerance, grouping, abstaining."""

    top_k: int = 3
    weight_title: float = 3.0
    weight_headings: float = 2.0
    weight_excerpt: float = 1.0
    weight_body: float = 1.0
    weight_code: float = 0.25
    weight_meta: float = 0.5
    weight_related: float = 1.0
    k1: float = 2.0
    b: float = 0.65
    b_short: float = 0.2
    typo_tolerance: bool = True
    rerank: bool = True
    min_confidence: float = 0.18
    unknown_word_weight: float = 3.0
    duplicate_similarity: float = 0.6
    max_question_chars: int = 1000


@dataclass(frozen=True)
class AnswerSettings:
    """How answers are cut and what comes with them."""

    max_excerpt_chars: int = 400
    max_sentences: int = 3
    related_count: int = 3


@dataclass(frozen=True)
class DbSettings:
    """The query log: a SQLite file, or a PostgreSQL server (``url``)."""

    path: str = "data/corpus-bot.sqlite3"
    # postgresql://user:password@host:port/name: the log on a server, shared by processes
    url: str = ""
    busy_timeout_ms: int = 5000
    retention_days: int = 90
    user_key_secret: str = ""


@dataclass(frozen=True)
class SemanticSettings:
    """The optional semantic stage: a sentence-embedding model beside BM25F."""

    enabled: bool = False
    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    cache_dir: str = "data/models"
    weight: float = 4.5


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class LogSettings:
    """What the running bot logs."""

    level: str = "INFO"


@dataclass(frozen=True)
class DiscordSettings:
    """The Discord bot."""

    owner_ids: tuple[int, ...] = ()
    cooldown_seconds: float = 5.0
    cooldown_rate: int = 3
    guild_rate: int = 30
    guild_seconds: float = 60.0
    watch_corpus: bool = False
    watch_interval_seconds: float = 10.0
    watch_settle_seconds: float = 2.0
    # channels (forum or text) whose questions are answered without a mention
    auto_answer_channels: tuple[int, ...] = ()
    # the confidence an answer needs to be posted there unasked (higher than search's)
    auto_answer_confidence: float = 0.6
    # shards of the whole bot (0: as many as Discord recommends), and this process's
    shard_count: int = 0
    shard_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Settings:
    """All settings, validated."""

    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    db: DbSettings = field(default_factory=DbSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    log: LogSettings = field(default_factory=LogSettings)
    semantic: SemanticSettings = field(default_factory=SemanticSettings)

    @property
    def corpus_dir(self) -> Path:
        """The corpus folder as a path."""
        return Path(self.corpus.dir)

    @property
    def db_path(self) -> Path:
        """The query log file as a path."""
        return Path(self.db.path)

    def __repr__(self) -> str:
        """Settings without secrets (they must never reach a log)."""
        db = dataclasses.replace(self.db, user_key_secret="***" if self.db.user_key_secret else "")
        return (
            f"Settings(corpus={self.corpus!r}, search={self.search!r}, answer={self.answer!r}, "
            f"db={db!r}, discord={self.discord!r}, log={self.log!r}, semantic={self.semantic!r})"
        )


_RANGES: dict[str, tuple[float, float]] = {
    "corpus.max_file_bytes": (1, 2**40),
    "corpus.workers": (0, 64),
    "search.top_k": (1, 25),
    "search.weight_title": (0, 10),
    "search.weight_headings": (0, 10),
    "search.weight_excerpt": (0, 10),
    "search.weight_body": (0, 10),
    "search.weight_code": (0, 10),
    "search.weight_meta": (0, 10),
    "search.weight_related": (0, 10),
    "search.k1": (0.0, 10.0),
    "search.b": (0.0, 1.0),
    "search.b_short": (0.0, 1.0),
    "search.min_confidence": (0.0, 1.0),
    "search.max_question_chars": (20, 6000),
    "search.unknown_word_weight": (0.0, 10.0),
    "search.duplicate_similarity": (0.0, 1.0),
    "answer.max_excerpt_chars": (80, 4000),
    "answer.max_sentences": (1, 10),
    "answer.related_count": (0, 10),
    "db.busy_timeout_ms": (0, 600_000),
    "db.retention_days": (0, 36_500),
    "discord.cooldown_seconds": (0.0, 3600.0),
    "discord.cooldown_rate": (1, 1000),
    "discord.guild_seconds": (0.0, 3600.0),
    "discord.guild_rate": (1, 100_000),
    "discord.watch_interval_seconds": (1.0, 86_400.0),
    "discord.watch_settle_seconds": (0.1, 3_600.0),
    "discord.auto_answer_confidence": (0.0, 1.0),
    "discord.shard_count": (0, 100_000),
    "semantic.weight": (0.0, 10.0),
}
# Settings that once existed: a file that still sets one works, with a warning.
RETIRED = {
    "search.engine": "every corpus is scored with BM25F by one engine",
    "search.min_coverage": "the abstain decision is now search.min_confidence",
}
_PATH_KEYS = _BUILTIN_PATH_KEYS + _STATE_PATH_KEYS


def _coerce(name: str, value: Any, default: Any) -> Any:
    """Convert ``value`` (from TOML or an environment string) to the type of ``default``."""
    from_env = isinstance(value, str) and not isinstance(default, str)
    try:
        if isinstance(default, bool):
            if from_env:
                lowered = value.strip().lower()
                if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError
                return lowered in ("1", "true", "yes", "on")
            if not isinstance(value, bool):
                raise ValueError
            return value
        if isinstance(default, int | float):
            if isinstance(value, bool):
                raise ValueError
            number = type(default)(value.strip() if from_env else value)
            return number
        if isinstance(default, tuple):
            items = [p.strip() for p in value.split(",") if p.strip()] if from_env else value
            if not isinstance(items, list | tuple):
                raise ValueError
            if name in ("discord.owner_ids", "discord.auto_answer_channels", "discord.shard_ids"):
                return tuple(int(item) for item in items)
            return tuple(str(item) for item in items)
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError):
        expected = type(default).__name__ if not isinstance(default, tuple) else "list"
        raise SettingsError(f"setting {name} must be a {expected}, got {value!r}") from None


_CHOICES: dict[str, tuple[str, ...]] = {"log.level": LOG_LEVELS}


def _check_range(name: str, value: Any) -> None:
    if name in _RANGES:
        low, high = _RANGES[name]
        if not low <= value <= high:
            raise SettingsError(f"setting {name} must be between {low:g} and {high:g}, got {value}")
    if name in _CHOICES and str(value).upper() not in _CHOICES[name]:
        choices = ", ".join(_CHOICES[name])
        raise SettingsError(f"setting {name} must be one of {choices}, got {value!r}")


def read_toml(path: Path) -> dict[str, Any]:
    """Read a settings file, or raise :class:`SettingsError` saying what is wrong."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"config file not found: {path}") from None
    except OSError as exc:
        raise SettingsError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"config file {path} is not UTF-8 text") from None


def _base_for(name: str, origin: Path, is_default: bool) -> Path:
    """What a relative path in ``origin`` is relative to: a local file's folder; for the
    default settings, the built-in files' root or the state folder."""
    if not is_default:
        return origin.parent
    return builtin_root() if name in _BUILTIN_PATH_KEYS else state_root()


def _relative(path: str) -> bool:
    return bool(path) and not Path(path).is_absolute()


def _merge_file(
    values: dict[str, dict[str, Any]], data: dict[str, Any], origin: Path, is_default: bool = False
) -> None:
    """Fold one TOML document into ``values``, resolving relative paths (see :func:`_base_for`)."""
    for section, entries in data.items():
        if section not in values or not isinstance(entries, dict):
            raise SettingsError(f"unknown settings section [{section}] in {origin}")
        for key, value in entries.items():
            if f"{section}.{key}" in RETIRED:
                log.warning("setting %s.%s in %s is no longer used: %s", section, key,
                            origin, RETIRED[f"{section}.{key}"])  # fmt: skip
                continue
            if key not in values[section]:
                raise SettingsError(f"unknown setting {section}.{key} in {origin}")
            name = f"{section}.{key}"
            if name in _PATH_KEYS and isinstance(value, str) and _relative(value):
                value = str(_base_for(name, origin, is_default) / value)
            elif name in _NAME_OR_PATH_KEYS and str(value).startswith(("./", "../")):
                value = str(origin.parent / value)
            values[section][key] = value


def _merge_env(values: dict[str, dict[str, Any]], env: Mapping[str, str]) -> None:
    for section, entries in values.items():
        for key in entries:
            name = f"BOT_{section}_{key}".upper()
            if name in env:
                entries[key] = env[name]


def load_settings(
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build validated settings from every layer; ``overrides`` (``"section.key"``) win.

    ``config`` is the local settings file (else ``BOT_CONFIG`` when set).
    """
    env = os.environ if env is None else env
    defaults = Settings()
    values = {
        f.name: dict(dataclasses.asdict(getattr(defaults, f.name)))
        for f in dataclasses.fields(Settings)
    }
    defaults_file = default_config()
    if defaults_file.is_file():
        _merge_file(values, read_toml(defaults_file), defaults_file, is_default=True)
    local = config or (Path(env["BOT_CONFIG"]) if env.get("BOT_CONFIG") else None)
    if local is not None:
        _merge_file(values, read_toml(local), local)
    _merge_env(values, env)
    for dotted, value in (overrides or {}).items():
        section, key = dotted.split(".", 1)
        if value is not None:
            values[section][key] = value
    return _build(defaults, values)


DB_URL_SCHEMES = ("postgresql://", "postgres://")
# Paths that must name something: empty would silently mean the working folder.
_REQUIRED_PATHS = ("corpus.dir", "db.path")


def _normalise(name: str, value: Any) -> Any:
    """Settings people write loosely, made exact, or refused with one clear sentence."""
    if name in _REQUIRED_PATHS and not str(value).strip():
        raise SettingsError(f"setting {name} must not be empty")
    if name == "db.url" and value.strip() and not value.startswith(DB_URL_SCHEMES):
        raise SettingsError("setting db.url must be a postgresql:// URL (or empty for SQLite)")
    if name == "corpus.extensions":
        found = tuple(
            dict.fromkeys(
                ext if ext.startswith(".") else f".{ext}"
                for ext in (str(item).strip().lower() for item in value)
                if ext.strip(".")
            )
        )
        if not found:
            raise SettingsError("setting corpus.extensions must name at least one, like .md")
        return found
    return value


def _build(defaults: Settings, values: dict[str, dict[str, Any]]) -> Settings:
    sections: dict[str, Any] = {}
    for section, entries in values.items():
        default_section = getattr(defaults, section)
        typed: dict[str, Any] = {}
        for key, value in entries.items():
            name = f"{section}.{key}"
            typed[key] = _normalise(name, _coerce(name, value, getattr(default_section, key)))
            _check_range(name, typed[key])
        sections[section] = type(default_section)(**typed)
    settings = Settings(**sections)
    _check_shards(settings.discord)
    return settings


def _check_shards(discord: DiscordSettings) -> None:
    """Shard ids need a shard count, and each must be below it."""
    if discord.shard_ids and not discord.shard_count:
        raise SettingsError("setting discord.shard_ids needs discord.shard_count")
    wrong = [n for n in discord.shard_ids if not 0 <= n < discord.shard_count]
    if wrong:
        raise SettingsError(
            f"setting discord.shard_ids must be below discord.shard_count "
            f"({discord.shard_count}), got {wrong[0]}"
        )
