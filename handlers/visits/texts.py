"""What the bot says about logging sessions, numbers and reports. Tests assert these constants."""

from __future__ import annotations

from handlers.core import texts as glossary

TITLE = "phiếu ghi nhận buổi hướng dẫn"
LINE_EXAMPLE = (
    "Ví dụ đúng: /ghinhan 14/03 | 3 | vneid, dvc | họp tổ dân phố\n"
    "(ngày | số người | nội dung | ghi chú — ngày và ghi chú có thể bỏ)"
)

NO_AREA = (
    "Tài khoản của bạn chưa gắn với địa bàn nào nên chưa ghi nhận được. "
    "Bạn xin tổ trưởng mã mời rồi gõ /dangky MÃ."
)
NO_HAMLETS = "Chưa có danh sách thôn/tổ dân phố cho địa bàn của bạn. Bạn báo quản trị viên nạp danh sách nhé."

ASK_DATE = (
    "Buổi hướng dẫn diễn ra ngày nào? Chọn bên dưới, hoặc gõ ngày: “hôm kia”, “thứ 2”, "
    "hoặc ngày/tháng như khi viết tay (ngày trước, tháng sau)."
)
TODAY = "Hôm nay ({day})"
YESTERDAY = "Hôm qua ({day})"
ASK_HAMLET = "Ở thôn/tổ dân phố nào?"
ASK_HAMLET_TYPED = "Ở thôn/tổ dân phố nào? Gõ tên hoặc mã, ví dụ “{example}”."
HAMLET_DENIED = "Bạn chỉ ghi nhận được cho địa bàn của mình ({area})."
ASK_PLACE = "Hướng dẫn ở đâu?"
BAD_PLACE = "Bạn chọn nơi hướng dẫn trong danh sách (bấm nút, hoặc gõ số thứ tự) nhé."
ASK_PEOPLE = "Đã hướng dẫn cho bao nhiêu người? Gõ một số, ví dụ 3."
BAD_PEOPLE = "Số người là một số từ 1 đến {max}, ví dụ 3. Nếu đông hơn, bạn ghi thành nhiều buổi."
ASK_SERVICES = (
    "Đã hướng dẫn những nội dung nào? Bấm từng mục để chọn (bấm lại để bỏ chọn), xong thì bấm “Xong”.\n"
    "Cũng có thể gõ một lần nhiều số hoặc mã, ví dụ: 1 3 4 hoặc vneid, dvc"
)
CHOSEN = glossary.CHOSEN
NOTHING_CHOSEN = glossary.NOTHING_CHOSEN
DONE = "Xong"
NEED_SERVICE = "Bạn chọn ít nhất một nội dung nhé (không rõ thì chọn “Khác”)."
BAD_SERVICE = "Mình chưa biết nội dung “{word}”. Gõ số thứ tự trong danh sách, hoặc các mã: {codes}."
ASK_NOTES = (
    "Ghi chú ngắn (không bắt buộc), ví dụ “hỗ trợ người cao tuổi”. Xin đừng ghi số căn cước hay "
    "số điện thoại của người dân. Không có thì bấm “Bỏ qua”."
)
SKIP = "Bỏ qua"
NOTES_TOO_LONG = "Ghi chú dài quá ({length} ký tự). Bạn viết gọn trong {limit} ký tự nhé."
NOTES_MASKED = "Mình đã ẩn số giấy tờ/số điện thoại trong ghi chú để bảo vệ thông tin của người dân."

CARD_TITLE = "Kiểm tra lại buổi hướng dẫn"
CARD_TITLE_EDIT = "Sửa buổi #{id}"
CARD = (
    "• Ngày: {date}\n"
    "• Thôn/tổ: {area}\n"
    "• Nơi hướng dẫn: {place}\n"
    "• Số người được hướng dẫn: {people}\n"
    "• Nội dung: {services}\n"
    "• Ghi chú: {notes}"
)
CARD_FOOT = "Đúng thì bấm “Lưu”; cần thay đổi thì bấm “Sửa”."
CARD_NEEDS_HAMLET = "Bạn chọn thôn/tổ dân phố trước khi lưu nhé."
NOT_CHOSEN = glossary.NOT_CHOSEN
NO_NOTES = "không có"
SAVE = "Lưu"
EDIT = "Sửa"
CANCEL = "Hủy"
PICK_HAMLET = "Chọn thôn/tổ"
CONFIRM_HINT = "Bấm “Lưu” để lưu, “Sửa” để thay đổi, hoặc “Hủy” để bỏ."
ASK_FIELD = "Bạn muốn sửa mục nào?"
BACK_TO_CARD = "« Về phiếu"
FIELDS = {
    "date": "Ngày",
    "hamlet": "Thôn/tổ",
    "place": "Nơi hướng dẫn",
    "people": "Số người",
    "services": "Nội dung",
    "notes": "Ghi chú",
}

SAVED = "Đã lưu buổi #{id}: {date}, {area}, {people} người. Cảm ơn bạn!"
SAVED_HINT = "Bạn sửa hoặc xóa được buổi này trong 24 giờ (gõ /ghinhan sua hoặc /ghinhan xoa)."
UPDATED = "Đã sửa buổi #{id}: {date}, {area}, {people} người."
ALREADY_SAVED = "Buổi này đã được lưu rồi (#{id}), mình không ghi thêm lần nữa."
LOG_ANOTHER = "Ghi thêm buổi khác"
EDIT_THIS = "Sửa buổi này"
DELETE_THIS = "Xóa buổi này"
CANT_CHANGE = (
    "Bạn chỉ sửa hoặc xóa được buổi do mình ghi, trong 24 giờ sau khi ghi. "
    "Cần sửa buổi cũ hơn, bạn nhờ tổ trưởng nhé."
)
GONE = "Buổi #{id} không còn (đã xóa hoặc không có)."
ASK_DELETE = "Xóa buổi #{id} ({date}, {area}, {people} người)?"
DELETE = "Xóa"
KEEP = "Không xóa"
DELETED = "Đã xóa buổi #{id}."
KEPT = "Đã giữ nguyên buổi #{id}."
LIST_EDIT = "Chọn buổi muốn sửa:"
LIST_DELETE = "Chọn buổi muốn xóa:"
LIST_EMPTY = (
    "Không có buổi nào bạn sửa được lúc này. Thành viên sửa được buổi của mình trong 24 giờ; "
    "tổ trưởng sửa được các buổi của địa bàn."
)
LIST_ITEM = "#{id} {date} · {area} · {people} người"

# One line: "/ghinhan 14/03 | 3 | vneid, dvc | ghi chú"
LINE_TOO_FEW = "Dòng ghi nhận cần ít nhất số người và nội dung, cách nhau bằng dấu |."
LINE_BAD_DATE = "Ngày chưa đúng: {reason}"
LINE_BAD_PEOPLE = "Số người “{text}” chưa đúng: cần một số từ 1 đến {max}."
LINE_NO_SERVICE = "Thiếu nội dung hướng dẫn (ví dụ: vneid, dvc)."
LINE_BAD_SERVICE = "Mình chưa biết nội dung “{word}”. Các mã dùng được: {codes}."
LINE_BAD_PLACE = "“{text}” không phải nơi hướng dẫn. Dùng: nha dan, nvh, ubnd, luu dong hoặc khac."
LINE_NOTES_TOO_LONG = "Ghi chú dài quá ({length} ký tự), tối đa {limit} ký tự."

# --- /thongke and /baocao ---
STATS_MINE = "Số liệu của bạn"
STATS_LINE = "{label}: {sessions} buổi, {people} người được hướng dẫn"
STATS_MINE_SERVICES = "Nội dung trong {label}:"
STATS_NOTHING_YET = "Bạn chưa ghi nhận buổi nào. Gõ /ghinhan để ghi buổi đầu tiên."
STATS_AREA_TITLE = "Số liệu {area} — {period}"
STATS_TOTAL = "Tổng: {sessions} buổi, {people} người được hướng dẫn."
STATS_BY_AREA = "Theo {level}:"
STATS_BY_MEMBER = "Theo thành viên:"
STATS_BY_MEMBER_TOP = "Theo thành viên ({shown}/{count} người nhiều nhất):"
STATS_BY_SERVICE = "Theo nội dung (một buổi có thể gồm nhiều nội dung):"
STATS_BY_PERIOD = "Theo {unit}:"
STATS_ITEM = "• {label}: {sessions} buổi, {people} người"
STATS_OTHER_AREAS = "{count} nơi khác"
STATS_EMPTY = "Chưa có buổi nào được ghi nhận trong khoảng này."
STATS_AREA_DENIED = "Bạn chỉ xem được số liệu trong địa bàn của mình ({area})."
STATS_UNKNOWN_AREA = "Không có địa bàn mã “{code}”. Gõ /khuvuc để xem các mã."
STATS_THIS_WEEK = "Tuần này"
STATS_THIS_MONTH = "Tháng này"
STATS_LAST_MONTH = "Tháng trước"
EVERYWHERE = "toàn bộ địa bàn"
UNKNOWN_MEMBER = "(không rõ)"

REPORT_SENT = "Báo cáo {area}, {period}: tệp Excel và biểu đồ ở trên. {sessions} buổi, {people} người."
REPORT_FILES = "tệp Excel và biểu đồ của báo cáo"
REPORT_PAGE = "Báo cáo"  # the web console's page (bot/web/pages/reports.py)
REPORT_CLI = "cdsbot report visits --from {start} --to {end}{area} --format xlsx -o baocao.xlsx"
REPORT_TRUNCATED = "Trang “Chi tiết” chỉ gồm {shown} buổi đầu; cả kỳ có {count} buổi."
