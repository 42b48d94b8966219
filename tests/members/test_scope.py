"""Who may act where: within one's own subtree, checked on data alone (no database needed)."""

from __future__ import annotations

import pytest

from db.repos.areas import AreaData
from handlers.core.roles import Role
from handlers.members.scope import can_act, can_grant, grantable_roles, search

P = AreaData(1, "33", "Tỉnh Hưng Yên", "province", None, "/33/", True)
C1 = AreaData(2, "33002", "Xã Nghĩa Trụ", "commune", 1, "/33/33002/", True)
C2 = AreaData(3, "33003", "Xã Hoàng Hoa Thám", "commune", 1, "/33/33003/", True)
H11 = AreaData(4, "3300201", "Thôn Đông Tảo", "hamlet", 2, "/33/33002/3300201/", True)
H12 = AreaData(5, "3300202", "Thôn Nghĩa Trai", "hamlet", 2, "/33/33002/3300202/", True)
H21 = AreaData(6, "3300301", "Thôn Vĩnh Phúc", "hamlet", 3, "/33/33003/3300301/", True)
# A code that is a prefix of another's must not make it look like a descendant.
C10 = AreaData(7, "330021", "Xã Khác", "commune", 1, "/33/330021/", True)
CLOSED = AreaData(8, "3300209", "Thôn Cũ", "hamlet", 2, "/33/33002/3300209/", False)


@pytest.mark.parametrize(
    ("role", "own", "target", "allowed"),
    [
        (Role.MEMBER, H11, H11, True),
        (Role.MEMBER, H11, H12, False),  # the next hamlet
        (Role.MEMBER, C1, H12, True),
        (Role.MEMBER, C1, H21, False),  # another commune
        (Role.MEMBER, C1, C10, False),
        (Role.LEADER, C1, C1, True),
        (Role.LEADER, H11, C1, False),  # up the tree
        (Role.OFFICER, P, H21, True),
        (Role.OFFICER, C2, H11, False),
        (Role.ADMIN, None, H21, True),
        (Role.CITIZEN, C1, H11, False),
        (Role.MEMBER, None, H11, False),
        (Role.LEADER, CLOSED, CLOSED, False),
    ],
)
def test_can_act(role: Role, own: AreaData | None, target: AreaData, allowed: bool) -> None:
    assert can_act(role, own, target) is allowed


@pytest.mark.parametrize(
    ("role", "own", "granted", "target", "allowed"),
    [
        (Role.LEADER, C1, Role.MEMBER, H11, True),
        (Role.LEADER, C1, Role.MEMBER, C1, True),
        (Role.LEADER, C1, Role.LEADER, H11, True),  # one's own role, further down
        (Role.LEADER, C1, Role.LEADER, C1, False),  # …but not at one's own level
        (Role.LEADER, C1, Role.OFFICER, C1, False),  # never above oneself
        (Role.LEADER, C1, Role.MEMBER, H21, False),  # never outside the subtree
        (Role.LEADER, H11, Role.MEMBER, H11, True),
        (Role.OFFICER, C1, Role.OFFICER, C1, False),
        (Role.OFFICER, P, Role.OFFICER, C2, True),
        (Role.OFFICER, P, Role.OFFICER, H21, False),  # officers belong to a commune or the province
        (Role.OFFICER, P, Role.MEMBER, P, False),  # members belong to a commune or a hamlet
        (Role.MEMBER, C1, Role.MEMBER, H11, False),  # members do not invite
        (Role.ADMIN, None, Role.OFFICER, P, True),
        (Role.ADMIN, None, Role.ADMIN, P, False),  # admins come from CDSBOT_ADMINS only
        (Role.ADMIN, None, Role.MEMBER, CLOSED, False),
    ],
)
def test_can_grant(role: Role, own: AreaData | None, granted: Role, target: AreaData, allowed: bool) -> None:
    assert can_grant(role, own, granted, target) is allowed


def test_grantable_roles() -> None:
    assert grantable_roles(Role.ADMIN, None) == [Role.MEMBER, Role.LEADER, Role.OFFICER]
    assert grantable_roles(Role.OFFICER, P) == [Role.MEMBER, Role.LEADER, Role.OFFICER]
    assert grantable_roles(Role.OFFICER, C1) == [Role.MEMBER, Role.LEADER]
    assert grantable_roles(Role.LEADER, C1) == [Role.MEMBER, Role.LEADER]
    assert grantable_roles(Role.LEADER, H11) == [Role.MEMBER]
    assert grantable_roles(Role.MEMBER, C1) == []
    assert grantable_roles(Role.LEADER, None) == []


def test_search_by_code_then_exact_name_then_part_of_name() -> None:
    areas = [C1, C2, H11, H12, H21]
    assert search(areas, "3300202") == [H12]
    assert search(areas, "thon dong tao") == [H11]
    assert search(areas, "nghia") == [C1, H12]
    assert search(areas, "Hà Nội") == []
