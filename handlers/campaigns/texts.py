"""Every sentence of campaigns (/chiendich), progress (/tiendo) and campaign reminders, as constants."""

from __future__ import annotations

from handlers.core import texts as glossary

# --- /chiendich: list and view ---
NO_SCOPE = (
    "Tài khoản của bạn chưa gắn với địa bàn nào, nên chưa xem được chiến dịch. Nhờ cán bộ xã kiểm tra giúp."
)
LIST_HEADER = "Các chiến dịch ở địa bàn của bạn:"
LIST_EMPTY = "Chưa có chiến dịch nào đang diễn ra ở địa bàn của bạn."
LIST_LINE = "#{id} {name} · {start}–{end} · {status}"
LIST_HINT_OFFICER = "Bấm “Tạo chiến dịch mới” hoặc gõ “/chiendich moi” để tạo chiến dịch."
NEW = "Tạo chiến dịch mới"
VIEW = "Xem #{id}"
PROGRESS = "Tiến độ #{id}"
EDIT = "Sửa #{id}"
CANCEL = "Hủy chiến dịch #{id}"
STATUS_RUNNING = "đang diễn ra"
STATUS_UPCOMING = "sắp bắt đầu"
STATUS_ENDED = "đã kết thúc"
STATUS_CANCELLED = "đã hủy"
DETAIL = (
    "Chiến dịch #{id}: {name}\n"
    "{about}"
    "Thời gian: {start} – {end} ({days} ngày, {status})\n"
    "Nội dung được tính: {services}\n"
    "Địa bàn tham gia: {areas} nơi, tổng chỉ tiêu {total} người\n"
    "Nhắc việc: {plan}\n"
    "Tóm tắt hằng tuần: {digest}\n"
    "Lời nhắc: đã gửi {sent}, sắp gửi {pending}{missed}"
)
DETAIL_MISSED = ", bỏ lỡ {missed}"
DETAIL_PART = "Phần của {area}:"
UNKNOWN = "Không tìm thấy chiến dịch #{id}."
NOT_YOURS = "Bạn không có quyền với chiến dịch #{id}."
OFFICERS_ONLY = (
    "Chỉ cán bộ xã/phường trở lên mới tạo hoặc sửa được chiến dịch. "
    "Tổ trưởng xem được phần của địa bàn mình bằng /chiendich và /tiendo."
)
ALREADY_CANCELLED = "Chiến dịch #{id} đã bị hủy trước đó."
ASK_CANCEL = (
    "Hủy chiến dịch #{id} “{name}”? Các lời nhắc chưa gửi ({pending}) sẽ bị hủy; "
    "số liệu đã ghi nhận vẫn giữ nguyên."
)
CANCEL_YES = "Đồng ý hủy #{id}"
CANCEL_NO = "Không hủy"
CANCELLED_REPLY = "Đã hủy chiến dịch #{id} “{name}” và {count} lời nhắc chưa gửi."
KEPT = "Chiến dịch #{id} vẫn giữ nguyên."

# --- the form ---
FORM_TITLE = "phiếu chiến dịch"
ASK_NAME = "Tên chiến dịch là gì? Ví dụ: “Đợt cao điểm 92 ngày đêm”. (Gõ /huy để dừng.)"
NAME_BAD = "Tên chiến dịch cần từ 3 đến {max} ký tự. Bạn gõ lại giúp mình nhé."
ASK_ABOUT = "Mô tả ngắn (mục tiêu, cách làm), hoặc bấm “Bỏ qua”."
ABOUT_TOO_LONG = "Mô tả dài {length} ký tự, tối đa {max}. Bạn rút gọn lại giúp mình nhé."
SKIP = "Bỏ qua"
ASK_START = "Chiến dịch bắt đầu ngày nào? Gõ ngày, ví dụ {example}, hoặc chọn bên dưới."
START_TODAY = "Hôm nay ({day})"
ASK_END = "Hạn chót là ngày nào? Gõ ngày, ví dụ {example}."
END_BEFORE_START = "Hạn chót {end} đứng trước ngày bắt đầu {start}. Bạn gõ lại hạn chót nhé."
END_PAST = "Hạn chót {end} đã qua (hôm nay {today}). Bạn chọn một ngày từ hôm nay trở đi nhé."
TOO_LONG_PERIOD = "Một chiến dịch dài tối đa {max} ngày; từ {start} đến {end} là {days} ngày."
START_TOO_OLD = "Ngày bắt đầu {start} đã quá một năm. Bạn kiểm tra lại nhé."
ASK_SERVICES = (
    "Những nội dung hướng dẫn nào được tính vào chỉ tiêu? Bấm từng mục để chọn (bấm lại để bỏ), "
    "xong thì bấm “Xong”; hoặc chọn “Tất cả nội dung”. Cũng có thể gõ, ví dụ: vneid, dvc"
)
SERVICES_CHOSEN = glossary.CHOSEN
NOTHING_CHOSEN = glossary.NOTHING_CHOSEN
NOT_CHOSEN = glossary.NOT_CHOSEN
ALL_SERVICES = "Tất cả nội dung"
DONE = "Xong"
NEED_SERVICE = "Bạn chọn ít nhất một nội dung, hoặc “Tất cả nội dung”."
BAD_SERVICE = "Mình chưa hiểu nội dung “{word}”. Các mã dùng được: {codes}"
ASK_AREAS = (
    "Địa bàn nào tham gia, chỉ tiêu bao nhiêu người? Gõ mã (hoặc tên) và số người, cách nhau bằng dấu phẩy, "
    "ví dụ: “{example}”.\n"
    "Hoặc gõ “tất cả 100” để giao cho mỗi {level} 100 người (có thể kèm ngoại lệ: “tất cả 100, {code} 150”)."
)
AREAS_LIST = "Các địa bàn trong phạm vi của bạn:"
AREAS_MORE = "… và {count} nơi khác (gõ tên hoặc mã để chọn)."
AREA_LINE = "• {code} — {name}"
TARGET_FORMAT = "Mình chưa hiểu “{part}”. Mỗi mục gồm mã hoặc tên địa bàn rồi số người, ví dụ “{example}”."
TARGET_NUMBER = "Chỉ tiêu của {area} phải là số người từ 1 đến {max}."
TARGET_NOT_FOUND = "Không tìm thấy địa bàn “{name}” trong phạm vi của bạn ({scope})."
TARGET_AMBIGUOUS = "Có nhiều nơi tên “{name}”: {names}. Bạn gõ mã địa bàn cho rõ nhé."
TARGET_TWICE = "{area} được nhập hai lần. Mỗi địa bàn chỉ ghi một chỉ tiêu."
TARGET_OVERLAP = (
    "{inner} nằm trong {outer}: một chiến dịch không giao chỉ tiêu chồng lên nhau. Bạn bỏ bớt một nơi."
)
TARGET_EMPTY = "Bạn nhập ít nhất một địa bàn và chỉ tiêu."
TARGET_TOO_MANY = "Một chiến dịch có tối đa {max} địa bàn."
ASK_PLAN = (
    "Lịch nhắc việc cho thành viên các địa bàn: mặc định {default}.\n"
    "Chọn “Dùng lịch mặc định”, “Không nhắc”, hoặc gõ số ngày trước hạn và giờ, "
    "ví dụ: “14, 7, 3, 1, 0 lúc 7:30” (0 là chính ngày hạn chót)."
)
PLAN_DEFAULT = "Dùng lịch mặc định"
PLAN_NONE = "Không nhắc"
PLAN_BAD = "Mình chưa hiểu lịch nhắc “{text}”. Ví dụ đúng: “7, 3, 1, 0 lúc 8:00”. Số ngày từ 0 đến {max}."
ASK_DIGEST = "Gửi bản tóm tắt tiến độ hằng tuần ({when}) cho tổ trưởng và cán bộ không?"
YES = "Có"
NO = "Không"
CARD_TITLE = "Kiểm tra lại chiến dịch"
CARD_TITLE_EDIT = "Sửa chiến dịch #{id}"
CARD = (
    "Tên: {name}\n"
    "Mô tả: {about}\n"
    "Thời gian: {start} – {end} ({days} ngày)\n"
    "Nội dung được tính: {services}\n"
    "Địa bàn và chỉ tiêu ({count} nơi, tổng {total} người):\n{targets}\n"
    "Nhắc việc: {plan}\n"
    "Tóm tắt hằng tuần: {digest}"
)
CARD_TARGET = "• {name} ({code}): {target} người"
CARD_MORE = "• … và {count} nơi khác"
NO_ABOUT = "(không có)"
SAVE = "Lưu chiến dịch"
SAVE_EDIT = "Lưu thay đổi"
EDIT_FIELD = "Sửa một mục"
DISCARD = "Bỏ phiếu này"
CONFIRM_HINT = "Bạn bấm “Lưu”, “Sửa một mục” hoặc “Bỏ phiếu này” giúp mình nhé."
ASK_FIELD = "Bạn muốn sửa mục nào?"
FIELDS = {
    "name": "Tên",
    "about": "Mô tả",
    "start": "Ngày bắt đầu",
    "end": "Hạn chót",
    "services": "Nội dung được tính",
    "areas": "Địa bàn và chỉ tiêu",
    "plan": "Lịch nhắc",
    "digest": "Tóm tắt hằng tuần",
}
BACK_TO_CARD = "Quay lại phiếu"
CREATED = (
    "Đã tạo chiến dịch #{id} “{name}” ({start} – {end}), {count} địa bàn, tổng chỉ tiêu {total} người. "
    "Đã lên lịch {reminders} lời nhắc."
)
UPDATED = (
    "Đã lưu thay đổi của chiến dịch #{id} “{name}”. "
    "Lịch nhắc: {created} mới, {kept} giữ nguyên, {cancelled} hủy."
)
GONE = "Chiến dịch #{id} không còn (đã bị hủy hoặc xóa), nên không lưu được."
DISCARDED = "Đã bỏ phiếu chiến dịch."

# --- plan descriptions ---
PLAN_DAYS = "{days} ngày trước hạn"
PLAN_DEADLINE = "ngày hạn chót"
PLAN_AT = "{items}, lúc {time}"
PLAN_OFF = "không nhắc"
DIGEST_ON = "có ({when})"
DIGEST_OFF = "không"
DIGEST_WHEN = "sáng {weekday} lúc {time}"
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
EVERY_SERVICE = "tất cả nội dung"

# --- /tiendo ---
PROGRESS_NONE = "Chưa có chiến dịch nào ở địa bàn của bạn. Khi cán bộ tạo chiến dịch, bạn xem tiến độ ở đây."
PROGRESS_PICK = "Bạn muốn xem tiến độ chiến dịch nào?"
PROGRESS_TITLE = "Tiến độ — {name}"
PROGRESS_HEAD = "Từ {start} đến {end}: {when}. Số liệu đến hết ngày {today}."
WHEN_UPCOMING = "bắt đầu sau {days} ngày nữa"
WHEN_RUNNING = "hôm nay là ngày {day}/{total}, sau hôm nay còn {left} ngày"
WHEN_LAST_DAY = "hôm nay là ngày cuối"
WHEN_ENDED = "đã kết thúc"
PROGRESS_TOTAL = "Tổng: {achieved}/{target} người ({percent}%); theo kế hoạch đến nay {expected}."
PROGRESS_LINE = "• {name}: {achieved}/{target} ({percent}%){tail}"
TAIL_DONE = " — đã đạt ✅"
TAIL_BEHIND = " — chậm, cần {need}/ngày ⚠️"
TAIL_ON_PACE = " — cần {need}/ngày"
TAIL_MISSED = " — chưa đạt ❌"
PROGRESS_BEHIND = "Chậm tiến độ: {count}/{total} địa bàn."
PROGRESS_MORE = "… và {count} địa bàn khác (xem đủ trong biểu đồ hoặc báo cáo Excel /baocao)."
PROGRESS_CHANGE = "{label}: {people} người, {change} so với {previous}."
PROGRESS_PACE_NOTE = "(Kế hoạch tính đều mỗi ngày từ ngày bắt đầu đến hạn chót.)"
PROGRESS_CHART_LINK = "Biểu đồ tiến độ (dùng được đến {expires}): {url}"
PROGRESS_CHART_TELEGRAM = "Biểu đồ tiến độ xem được khi mở bot trên Telegram."
DRILL_BUTTON = "Chi tiết từng người/thôn"
DRILL_HEAD = "Chi tiết — {name} (trang {page}/{pages}). Ai chậm được xếp trước."
DRILL_MEMBERS = "Từng người:"
DRILL_HAMLETS = "Từng thôn:"
DRILL_LINE = "• {name}: {achieved}/{target} ({percent}%), kế hoạch đến nay {expected}{mark}"
DRILL_BEHIND = " ⚠ chậm"
DRILL_EMPTY = "Chưa có thành viên hay thôn nào trong phần chiến dịch bạn xem."
DRILL_PACE_NOTE = (
    "(Chỉ tiêu của mỗi người, mỗi thôn là phần chia đều chỉ tiêu địa bàn; kế hoạch tính đều mỗi ngày.)"
)
DRILL_NEXT = "Trang sau"
DRILL_PREVIOUS = "Trang trước"
DRILL_OLD_BUTTON = "Nút này đã cũ. Bạn gõ /tiendo để xem lại nhé."

# --- reminders to members (each carries its area's own numbers) ---
REMINDER_TITLE = "Nhắc việc — {name}"
REMINDER_DAYS_LEFT = "Còn {days} ngày nữa là đến hạn chót {end}."
REMINDER_LAST_DAY = "Hôm nay ({end}) là ngày cuối của chiến dịch."
REMINDER_ENDED = "Chiến dịch đã kết thúc ngày {end}."
REMINDER_NUMBERS = "{area}: đã hướng dẫn {achieved}/{target} người ({percent}%)."
REMINDER_ON_PACE = (
    "Theo kế hoạch đến nay cần {expected} người: {area} đang đúng tiến độ. "
    "Để kịp hạn, mỗi ngày cần thêm khoảng {need} người."
)
REMINDER_BEHIND = (
    "⚠️ {area} đang CHẬM TIẾN ĐỘ: theo kế hoạch đến nay phải đạt {expected} người, mới đạt {achieved} "
    "(thiếu {gap}). Từ hôm nay mỗi ngày cần hướng dẫn {need} người mới kịp hạn. "
    "Đề nghị các thành viên tập trung hướng dẫn người dân và ghi nhận ngay sau mỗi buổi."
)
REMINDER_DONE = "🎉 {area} đã đạt chỉ tiêu, cảm ơn các thành viên! Tiếp tục ghi nhận các buổi đến hết {end}."
REMINDER_MISSED_TARGET = "{area} chưa đạt chỉ tiêu: còn thiếu {gap} người."
REMINDER_FOOT = "Ghi nhận buổi hướng dẫn: /ghinhan · Xem tiến độ: /tiendo"
LEADER_NOTE = (
    "Bạn là tổ trưởng: {area} đang chậm {gap} người so với kế hoạch. Đề nghị bạn rà soát và phân công "
    "thành viên để bù phần thiếu trong {days} ngày còn lại."
)

# --- the weekly digest to leaders and officers ---
DIGEST_TITLE = "Tóm tắt tuần — {name}"
DIGEST_FOOT = "Xem chi tiết và biểu đồ: /tiendo {id}"

# --- reminders missed while the bot was down ---
MISSED_TITLE = "Lời nhắc bị bỏ lỡ — {name}"
MISSED = (
    "Trong lúc bot tạm ngừng, {count} lời nhắc của chiến dịch #{id} “{name}” đã quá giờ gửi hơn {grace} giờ, "
    "nên mình không gửi nữa (để không nhắc muộn, sai số liệu):"
)
MISSED_LINE = "• {what} — lẽ ra gửi lúc {when}"
MISSED_AREA = "nhắc {area} ({days})"
MISSED_DIGEST = "tóm tắt tuần"
MISSED_MORE = "• … và {count} lời nhắc khác"
MISSED_FOOT = "Các lời nhắc tiếp theo vẫn gửi đúng lịch. Xem tiến độ hiện tại: /tiendo {id}"

# --- /baocao sheet ---
SHEET = "Chiến dịch"
SHEET_HEADERS = (
    "Chiến dịch",
    "Từ ngày",
    "Đến ngày",
    "Mã địa bàn",
    "Địa bàn",
    "Chỉ tiêu (người)",
    "Đã đạt (người)",
    "Số buổi",
    "Tỷ lệ (%)",
    "Kế hoạch đến nay",
    "Cần mỗi ngày",
    "Chậm tiến độ",
)
SHEET_TOTAL = "Tổng"
SHEET_YES = "Chậm"
SHEET_NOTE = "Số liệu đến hết ngày {today}; kế hoạch tính đều mỗi ngày từ ngày bắt đầu đến hạn chót."
