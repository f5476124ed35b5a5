"""Configuration of the fake world: users, guilds, channels and a ready-made default."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

ALL_PERMISSIONS = 8866461766385663  # discord.Permissions.all().value in discord.py 2.7
ADMINISTRATOR = 1 << 3
EVERYONE_PERMISSIONS = (
    (1 << 0)  # create instant invite
    | (1 << 6)  # add reactions
    | (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 18)  # use external emojis
    | (1 << 26)  # change nickname
    | (1 << 31)  # use application commands
    | (1 << 38)  # send messages in threads
)
BOT_PERMISSIONS = (
    EVERYONE_PERMISSIONS | (1 << 13) | (1 << 17) | (1 << 34)
)  # manage msgs, mention all, threads


class ChannelType(IntEnum):
    """Discord channel types the fake knows about."""

    TEXT = 0
    DM = 1
    VOICE = 2
    CATEGORY = 4
    NEWS = 5
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    FORUM = 15


THREAD_TYPES = (10, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD)


@dataclass
class FakeUser:
    """A Discord user."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None


@dataclass
class FakeRole:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False


@dataclass
class FakeChannel:
    """A guild channel, a thread (type 11/12 with ``parent_id``) or a DM (type 1)."""

    id: int
    name: str = ""
    type: int = ChannelType.TEXT
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    owner_id: int | None = None
    recipient_id: int | None = None
    guild_id: int | None = None
    # a forum's tags ({"id", "name", "moderated", "emoji_id", "emoji_name"}) and a post's
    available_tags: list[dict[str, object]] = field(default_factory=list)
    applied_tags: list[int] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        """True for thread channel types."""
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        """True for a DM channel."""
        return self.type == ChannelType.DM


@dataclass
class FakeMember:
    """A user's membership in a guild."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None


@dataclass
class FakeGuild:
    """A guild with its roles, channels (threads included) and members."""

    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not any(role.id == self.id for role in self.roles):
            self.roles.insert(0, FakeRole(self.id, "@everyone", EVERYONE_PERMISSIONS))
        for channel in self.channels:
            channel.guild_id = self.id

    def member(self, user_id: int) -> FakeMember | None:
        """The member with this user id, if any."""
        return next((m for m in self.members if m.user.id == user_id), None)

    def permissions_for(self, user_id: int) -> int:
        """Guild-level permissions (no channel overwrites) as Discord computes them."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.member(user_id)
        role_ids = {self.id, *(member.roles if member else [])}
        value = 0
        for role in self.roles:
            if role.id in role_ids:
                value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value


@dataclass
class FakeConfig:
    """Everything the fake serves. ``token=None`` accepts any token."""

    bot: FakeUser
    application_id: int
    guilds: list[FakeGuild] = field(default_factory=list)
    dm_channels: list[FakeChannel] = field(default_factory=list)
    users: list[FakeUser] = field(default_factory=list)
    application_flags: int = 0
    application_name: str = "Fake Application"
    application_owner_id: int | None = None
    default_user_id: int | None = None
    default_channel_id: int | None = None
    heartbeat_interval_ms: int = 1000
    echo_own_messages: bool = True
    token: str | None = None
    attachment_size_limit: int = 10 * 1024 * 1024
    # privileged intents the app may use (Developer Portal); None: all of them
    privileged_intents: int | None = None


@dataclass(frozen=True)
class DefaultIds:
    """Ids used by :func:`default_config`."""

    bot: int = 1200000000000000001
    application: int = 1200000000000000001
    guild: int = 1200000000000000100
    owner: int = 1200000000000000201
    admin: int = 1200000000000000202
    member: int = 1200000000000000203
    admin_role: int = 1200000000000000301
    bot_role: int = 1200000000000000302
    general: int = 1200000000000000401
    other: int = 1200000000000000402
    thread: int = 1200000000000000403
    dm: int = 1200000000000000501


IDS = DefaultIds()


def default_config(**overrides: object) -> FakeConfig:
    """One guild with an owner, an admin, a plain member, two text channels and a thread.

    Keyword arguments override :class:`FakeConfig` fields.
    """
    bot = FakeUser(IDS.bot, "FakeBot", bot=True)
    owner = FakeUser(IDS.owner, "owner", "Guild Owner")
    admin = FakeUser(IDS.admin, "admin", "Admin")
    member = FakeUser(IDS.member, "member", "Member")
    guild = FakeGuild(
        id=IDS.guild,
        name="Fake Guild",
        owner_id=IDS.owner,
        roles=[
            FakeRole(IDS.guild, "@everyone", EVERYONE_PERMISSIONS),
            FakeRole(IDS.admin_role, "Admin", ADMINISTRATOR, position=2, hoist=True),
            FakeRole(IDS.bot_role, "FakeBot", BOT_PERMISSIONS, position=1, managed=True),
        ],
        channels=[
            FakeChannel(IDS.general, "general", position=0, topic="General chat"),
            FakeChannel(IDS.other, "other", position=1),
            FakeChannel(
                IDS.thread,
                "a-thread",
                ChannelType.PUBLIC_THREAD,
                parent_id=IDS.general,
                owner_id=IDS.member,
            ),
        ],
        members=[
            FakeMember(bot, [IDS.bot_role]),
            FakeMember(owner),
            FakeMember(admin, [IDS.admin_role]),
            FakeMember(member),
        ],
    )
    dm = FakeChannel(IDS.dm, type=ChannelType.DM, recipient_id=IDS.member)
    config = FakeConfig(
        bot=bot,
        application_id=IDS.application,
        guilds=[guild],
        dm_channels=[dm],
        application_owner_id=IDS.owner,
        default_user_id=IDS.member,
        default_channel_id=IDS.general,
    )
    for key, value in overrides.items():
        if not hasattr(config, key):
            raise TypeError(f"FakeConfig has no field {key!r}")
        setattr(config, key, value)
    return config
