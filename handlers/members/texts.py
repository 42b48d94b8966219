"""What the bot says about joining, invitations and the administrative tree. Tests assert these constants."""

from __future__ import annotations

# --- /dangky ---
JOIN_USAGE = (
    "Để tham gia Tổ công nghệ số cộng đồng, bạn gõ /dangky kèm mã mời, ví dụ: /dangky K7M2QX9P\n"
    "Mã mời do tổ trưởng hoặc cán bộ xã/phường gửi cho bạn."
)
JOIN_WRONG = (
    "Mã “{code}” không đúng. Bạn kiểm tra lại từng chữ (viết hoa hay thường đều được), "
    "hoặc xin lại mã từ người mời."
)
JOIN_EXPIRED = "Mã {code} đã hết hạn lúc {when}. Bạn xin người mời tạo mã mới nhé."
JOIN_USED_UP = "Mã {code} đã được dùng đủ {uses} lần. Bạn xin người mời tạo mã mới nhé."
JOIN_REVOKED = "Mã {code} đã bị thu hồi. Bạn xin người mời tạo mã mới nhé."
JOIN_INVITER_LOST = (
    "Mã {code} không còn dùng được vì người tạo mã không còn quyền mời ở địa bàn này. "
    "Bạn xin tổ trưởng hoặc cán bộ xã/phường hiện nay một mã mới nhé."
)
JOIN_AREA_GONE = "Địa bàn của mã {code} không còn trong danh sách. Bạn xin người mời tạo mã mới nhé."
JOIN_TOO_MANY = "Bạn đã nhập sai mã nhiều lần. Để giữ an toàn, bạn thử lại sau một giờ nhé."
JOIN_ALREADY = "Bạn đã dùng mã này rồi. Hiện bạn là {role} của {area}."
JOIN_HIGHER = (
    "Bạn đang là {role}{where}, cao hơn vai trò {new_role} mà mã này cấp, "
    "nên mình giữ nguyên vai trò hiện tại. Mã vẫn còn để người khác dùng."
)
JOINED = "Chào mừng {name}! Từ giờ bạn là {role} của {area}."
JOINED_HINT = {
    "member": (
        "Bạn có thể:\n"
        "• /ghinhan — ghi nhận một buổi hướng dẫn người dân (theo từng bước, hoặc một dòng: "
        "/ghinhan 14/03 | 3 | vneid, dvc)\n"
        "• /thongke — xem số buổi và số người bạn đã hướng dẫn"
    ),
    "leader": (
        "Bạn có thể:\n"
        "• /ghinhan — ghi nhận một buổi hướng dẫn\n"
        "• /thongke — số liệu của địa bàn theo thôn, thành viên, nội dung\n"
        "• /baocao — báo cáo Excel và biểu đồ\n"
        "• /moi — tạo mã mời thành viên"
    ),
}

# --- /moi ---
INVITE_TITLE = "phiếu tạo mã mời"
INVITE_ASK_LEADER = (
    "Mã mời do tổ trưởng hoặc cán bộ xã/phường tạo. Bạn nhắn tổ trưởng của mình tên và thôn của người "
    "muốn mời, tổ trưởng gõ /moi để tạo mã rồi gửi cho người đó."
)
INVITE_NO_AREA = (
    "Tài khoản của bạn chưa gắn với địa bàn nào nên chưa tạo được mã mời. "
    "Bạn nhờ cán bộ xã/phường hoặc quản trị viên kiểm tra giúp."
)
INVITE_NO_ROLES = "Địa bàn của bạn không còn nơi nào bên dưới để mời thêm vai trò này."
INVITE_ASK_ROLE = "Bạn tạo mã mời cho vai trò nào?"
INVITE_BAD_ROLE = "Bạn chọn một vai trò trong danh sách giúp mình nhé."
INVITE_ASK_AREA = "Mã mời dành cho địa bàn nào? Chọn bên dưới, hoặc gõ tên hay mã."
INVITE_ASK_AREA_TYPED = "Mã mời dành cho địa bàn nào? Gõ tên hoặc mã ({levels}), ví dụ “{example}”."
INVITE_AREA_DENIED = "Bạn không tạo được mã {role} cho địa bàn này: chỉ trong địa bàn {area} của bạn."
INVITE_ASK_DAYS = "Mã dùng được trong bao nhiêu ngày? Gõ một số từ 1 đến {max}, ví dụ 7."
INVITE_BAD_DAYS = "Số ngày là một số từ 1 đến {max}, ví dụ 7."
INVITE_ASK_USES = "Mã dùng được cho bao nhiêu người? Gõ một số từ 1 đến {max}, ví dụ 10."
INVITE_BAD_USES = "Số người là một số từ 1 đến {max}, ví dụ 10."
INVITE_CARD = (
    "Kiểm tra lại mã mời:\n"
    "• Vai trò: {role}\n"
    "• Địa bàn: {area}\n"
    "• Hạn dùng: {days} ngày (đến {expires})\n"
    "• Số người dùng được: {uses}\n\n"
    "Đúng thì bấm “Tạo mã”."
)
INVITE_CONFIRM_HINT = "Bấm “Tạo mã” để tạo, “Quay lại” để sửa, hoặc /huy để dừng."
INVITE_CREATE = "Tạo mã"
INVITE_CREATED = (
    "Đã tạo mã mời: {code}\n\n"
    "Bạn chuyển cho người được mời lời nhắn sau:\n"
    "“Nhắn /dangky {code} cho bot để tham gia Tổ công nghệ số cộng đồng {area} với vai trò {role}.”\n\n"
    "Mã dùng được cho {uses} người, hết hạn lúc {expires}. Nếu mã bị lộ, bấm “Thu hồi mã”."
)
INVITE_REVOKE = "Thu hồi mã"
INVITE_REVOKED = "Đã thu hồi mã {code}. Những người đã tham gia trước đó vẫn giữ vai trò."
INVITE_ALREADY_REVOKED = "Mã {code} đã được thu hồi trước đó."
INVITE_REVOKE_DENIED = "Bạn không thu hồi được mã này: mã thuộc địa bàn ngoài phạm vi của bạn."

# --- areas: shared by the pickers, /khuvuc and `cdsbot areas import` ---
AREA_MATCHES = "Có {count} nơi khớp với “{query}”. Chọn một:"
AREA_TOO_MANY = "Có {count} nơi khớp với “{query}”. Bạn gõ cụ thể hơn, hoặc gõ mã."
AREA_NOT_FOUND = (
    "Mình không tìm thấy “{query}” trong địa bàn của bạn. Gõ lại tên hoặc mã, "
    "hoặc gõ /khuvuc để xem danh sách."
)
AREAS_EMPTY = (
    "Chưa có danh sách địa bàn. Quản trị viên nạp danh sách bằng lệnh "
    "`cdsbot areas import TỆP.csv` (có tệp mẫu db/sample/areas_sample.csv), "
    "hoặc thêm từng nơi: /khuvuc them MÃ | Tên | cấp | MÃ CẤP TRÊN"
)
AREA_SHOW = "{name} — mã {code} ({level})"
AREA_PARENT = "Thuộc: {parent}"
AREA_CHILDREN = "Gồm {count} {level}:"
AREA_NO_CHILDREN = "Chưa có địa bàn nào bên dưới."
AREA_MORE = "… và {count} nơi nữa. Gõ /khuvuc MÃ để xem từng nơi."
AREA_TOP = "Các địa bàn cấp cao nhất:"
AREA_ADMIN_USAGE = (
    "Quản trị viên có thể:\n"
    "• Thêm: /khuvuc them MÃ | Tên | cấp (tinh, xa, thon) | MÃ CẤP TRÊN\n"
    "• Đổi tên: /khuvuc doiten MÃ | Tên mới"
)
AREA_ADMIN_ONLY = (
    "Chỉ quản trị viên thêm hoặc đổi tên được địa bàn. Nếu danh sách có sai sót, bạn báo quản trị viên nhé."
)
AREA_ADD_EXAMPLE = "Ví dụ: /khuvuc them 1000101 | Thôn Đông | thon | 10001"
AREA_RENAME_EXAMPLE = "Ví dụ: /khuvuc doiten 1000101 | Thôn Đông Hưng"
AREA_ADDED = "Đã thêm {level} {name} (mã {code}){parent}."
AREA_RENAMED = "Đã đổi tên {code}: “{old}” thành “{new}”."
AREA_UNKNOWN = "Không có địa bàn mã “{code}”."
AREA_EXISTS = "Mã {code} đã có ({name}). Muốn đổi tên thì gõ /khuvuc doiten {code} | Tên mới"

# Validation of one area (import file row or /khuvuc them), phrased to be prefixed by "dòng N: ".
AREA_BAD_CODE = "mã “{code}” không hợp lệ (chỉ chữ không dấu, số, dấu . _ -; tối đa 32 ký tự)"
AREA_BAD_NAME = "thiếu tên, hoặc tên dài quá 200 ký tự"
AREA_BAD_LEVEL = "cấp “{level}” không hợp lệ: dùng tinh, xa (phường, đặc khu) hoặc thon (tổ dân phố, ấp, bản)"
AREA_NEEDS_PARENT = "{level} phải có mã cấp trên ({parent_level})"
AREA_NO_PARENT_FOR_PROVINCE = "tỉnh/thành phố không có cấp trên"
AREA_PARENT_MISSING = "không có địa bàn cấp trên mã “{parent}”"
AREA_PARENT_LEVEL = "cấp trên của {level} phải là {parent_level}, còn “{parent}” là {actual}"
AREA_DUPLICATE = "mã “{code}” lặp lại (đã có ở dòng {first})"
AREA_LEVEL_CHANGE = "“{code}” đang có {count} nơi bên dưới nên không đổi sang cấp {level} được"

# --- /thanhvien: leaders, officers and admins manage the people of their area ---
TEAM_NO_AREA = (
    "Tài khoản của bạn chưa gắn với địa bàn nào nên chưa xem được thành viên. "
    "Bạn nhờ cán bộ xã/phường hoặc quản trị viên kiểm tra giúp."
)
TEAM_EMPTY = "Chưa có thành viên nào trong {area}. Gõ /moi để tạo mã mời."
TEAM_NONE_MATCH = "Không có thành viên nào tên “{query}” trong {area}. Gõ /thanhvien để xem tất cả."
TEAM_HEADER = "Thành viên Tổ trong {area}: {count} người (trang {page}/{pages})."
TEAM_INACTIVE_NOTE = "⚠ là người chưa ghi nhận buổi hướng dẫn nào trong {days} ngày qua."
TEAM_LINE = "• {mark}{name} — {role}, {area}. Nhắn bot: {seen}. Buổi gần nhất: {visit}."
TEAM_PICK = "Chọn một người để chuyển thôn, đổi vai trò hoặc cho thôi tham gia Tổ."
TEAM_NEVER = "chưa có"
TEAM_NO_PLACE = "chưa gắn địa bàn"
TEAM_NEXT = "Trang sau »"
TEAM_PREVIOUS = "« Trang trước"
TEAM_BACK = "« Danh sách"
TEAM_CARD = (
    "{name} — {role}\n"
    "• Địa bàn: {area}\n"
    "• Nhắn bot lần cuối: {seen}\n"
    "• Buổi hướng dẫn gần nhất: {visit}{mark}"
)
TEAM_CARD_INACTIVE = " (⚠ chưa ghi nhận buổi nào trong {days} ngày qua)"
TEAM_MOVE = "Chuyển thôn"
TEAM_ROLE = "Đổi vai trò"
TEAM_REMOVE = "Cho thôi tham gia Tổ"
TEAM_NOTHING_TO_DO = "Bạn chưa đổi được gì cho {name} trong phạm vi của mình."
TEAM_DENIED = (
    "Bạn không quản lý được người này: chỉ những người có vai trò thấp hơn bạn, trong địa bàn {area} của bạn."
)
TEAM_SELF = "Bạn không tự đổi vai trò hay địa bàn của mình được. Bạn nhờ người cấp trên giúp nhé."
TEAM_GONE = "Không tìm thấy người này nữa. Gõ /thanhvien để xem lại danh sách."

MOVE_TITLE = "việc chuyển thôn"
MOVE_ASK = "Chuyển {name} sang thôn/tổ dân phố nào? Chọn bên dưới, hoặc gõ tên hay mã."
MOVE_ASK_TYPED = "Chuyển {name} sang thôn/tổ dân phố nào? Gõ tên hoặc mã, ví dụ “{example}”."
MOVE_NO_PLACES = "Trong địa bàn của bạn không có thôn/tổ dân phố nào khác để chuyển {name} sang."
MOVE_DENIED = "Bạn chỉ chuyển được sang thôn/tổ dân phố trong địa bàn {area} của bạn."
MOVE_CONFIRM = "Chuyển {name} ({role}) từ {old} sang {new}?"
MOVE_DONE = "Đã chuyển {name} sang {new}."
MOVE_NOTICE = "{actor} đã chuyển bạn sang {new}. Bạn vẫn là {role}; gõ /trogiup để xem các lệnh."

ROLE_TITLE = "việc đổi vai trò"
ROLE_ASK = "{name} đang là {role}. Đổi sang vai trò nào?"
ROLE_NONE = "Bạn không đổi được vai trò của {name} sang vai trò nào khác trong phạm vi của mình."
ROLE_BAD = "Bạn chọn một vai trò trong danh sách giúp mình nhé."
ROLE_CONFIRM = "Đổi vai trò của {name} ở {area} từ {old} sang {new}?"
ROLE_DONE = "Đã đổi vai trò của {name} thành {new}."
ROLE_NOTICE = (
    "{actor} đã đổi vai trò của bạn thành {new} ở {area}. Gõ /trogiup để xem các lệnh bạn dùng được."
)

REMOVE_TITLE = "việc cho thôi tham gia Tổ"
REMOVE_CONFIRM = (
    "Cho {name} ({role}, {area}) thôi tham gia Tổ? {name} sẽ trở lại là người dân; "
    "các buổi hướng dẫn đã ghi vẫn được giữ."
)
REMOVE_DONE = "{name} đã thôi tham gia Tổ và trở lại là người dân."
REMOVE_NOTICE = (
    "{actor} đã cho bạn thôi tham gia Tổ công nghệ số cộng đồng. Bạn vẫn hỏi bot được như mọi người dân. "
    "Cảm ơn bạn đã đồng hành!"
)
CONFIRM = "Xác nhận"
CONFIRM_HINT = "Bấm “Xác nhận” để làm, “Quay lại” để chọn lại, hoặc /huy để dừng."
REMOVE_HINT = "Bấm “Xác nhận” để cho thôi tham gia Tổ, hoặc gõ /huy để dừng."
