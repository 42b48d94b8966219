"""Roles, ordered: each role can do what the ones below it can."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    CITIZEN = 0
    MEMBER = 1
    LEADER = 2
    OFFICER = 3
    ADMIN = 4

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.upper()]
        except KeyError:
            return cls.CITIZEN

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Role.CITIZEN: "người dân",
    Role.MEMBER: "thành viên tổ",
    Role.LEADER: "tổ trưởng",
    Role.OFFICER: "cán bộ",
    Role.ADMIN: "quản trị",
}
