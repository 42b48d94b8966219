"""Every sentence of announcements (/thongbao) and subscriptions (/dangkytin, /huytin), as constants."""

from __future__ import annotations

# --- citizens: subscriptions ---
SUBSCRIBED = (
    "Bạn đã đăng ký nhận thông báo của {area}. Khi xã/thôn có thông báo mới, mình sẽ nhắn cho bạn.\n"
    "Muốn thôi nhận, gõ /huytin."
)
SUBSCRIBED_NO_TREE = (
    "Bạn đã đăng ký nhận thông báo. Danh sách địa bàn chưa được nạp nên bạn sẽ nhận các thông báo chung.\n"
    "Muốn thôi nhận, gõ /huytin."
)
SUBSCRIBE_CHANGE_HINT = 'Muốn đổi nơi nhận tin, gõ "/dangkytin doi".'
SUBSCRIBE_FORM = "đăng ký nhận tin"
ASK_AREA_ROOT = "Bạn ở tỉnh/thành phố nào? Chọn một mục, hoặc gõ tên:"
ASK_AREA_CHILD = "Bạn ở đâu trong {area}? Chọn một mục, hoặc gõ tên:"
AREA_WHOLE = "Cả {area}"
AREA_TOO_MANY = "(Danh sách dài, chỉ hiện {shown}/{total} mục: gõ tên nơi bạn ở để tìm.)"
AREA_NOT_FOUND = "Mình không tìm thấy “{text}” trong danh sách. Bạn chọn một mục hoặc gõ lại tên nhé."
AREA_AMBIGUOUS = "Có nhiều nơi tên như vậy: {names}. Bạn gõ rõ hơn hoặc chọn trong danh sách nhé."
UNSUBSCRIBED = "Bạn đã thôi nhận thông báo. Muốn nhận lại lúc nào, gõ /dangkytin."
NOT_SUBSCRIBED = "Bạn chưa đăng ký nhận thông báo. Muốn nhận, gõ /dangkytin."

# --- officers: composing ---
FORM_TITLE = "soạn thông báo"
NO_SCOPE = (
    "Bạn chưa được gán địa bàn nên chưa gửi được thông báo. Nhờ cán bộ xã hoặc quản trị gán địa bàn cho bạn."
)
ASK_TEXT = (
    "Soạn thông báo: gõ nội dung cần gửi (tối đa {limit} ký tự).\n"
    "Viết ngắn gọn, rõ việc gì, ở đâu, khi nào. Gõ /huy để dừng."
)
TEXT_EMPTY = "Nội dung đang trống. Bạn gõ nội dung thông báo giúp mình nhé."
TEXT_TOO_LONG = "Nội dung dài {length} ký tự, vượt quá {limit}. Bạn rút gọn lại giúp mình nhé."
ASK_PHOTO = (
    "Có gửi kèm ảnh không? Gửi ảnh ngay tại đây, hoặc dán đường link ảnh (bắt đầu bằng https://), "
    "hoặc chọn “Không kèm ảnh”."
)
NO_PHOTO = "Không kèm ảnh"
PHOTO_INVALID = (
    "Bạn gửi ảnh ngay tại đây, hoặc dán đường link ảnh bắt đầu bằng https:// (không có dấu cách) nhé."
)
PHOTO_TOO_BIG = "Ảnh này lớn quá (tối đa {mb} MB). Bạn gửi ảnh nhỏ hơn hoặc dán đường link ảnh nhé."
PHOTO_NOT_IMAGE = (
    "Tệp này không phải ảnh JPG, PNG, WebP hay GIF. Bạn gửi ảnh khác hoặc dán đường link ảnh nhé."
)
PHOTO_UNREACHABLE = (
    "Mình chưa tải được ảnh này về. Bạn gửi lại ảnh, dán đường link ảnh, hoặc chọn “Không kèm ảnh” nhé."
)
ASK_GROUPS = "Gửi cho ai?"
GROUP_CHOICES = (
    ("s", "Người dân đã đăng ký nhận tin"),
    ("m", "Thành viên tổ"),
    ("l", "Tổ trưởng"),
    ("ml", "Thành viên và tổ trưởng"),
    ("sml", "Tất cả (người dân, thành viên, tổ trưởng)"),
)
GROUP_LABELS = {"subscribers": "người dân đã đăng ký", "members": "thành viên tổ", "leaders": "tổ trưởng"}
ASK_AREA = "Gửi ở địa bàn nào?"
AREA_EVERYWHERE = "Mọi địa bàn"
AREA_ALL_OF = "Toàn {area}"
ASK_CHANNELS = "Gửi qua kênh nào?"
CHANNEL_CHOICES = (("tz", "Telegram và Zalo"), ("t", "Chỉ Telegram"), ("z", "Chỉ Zalo"))
CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo", "zalo_oa": "Zalo OA"}
PREVIEW_OA_WINDOW = (
    "Zalo OA {name}: {inside} người đã nhắn OA trong 7 ngày qua (gửi được), {outside} người quá 7 ngày "
    "(Zalo không cho gửi, bot ghi lại là ngoài hạn)."
)
OA_RECEIPTS = "Zalo OA: {delivered} người đã nhận, {seen} người đã xem."
PICK_ONE = "Bạn chọn một mục trong danh sách giúp mình nhé."
PREVIEW = (
    "Xem trước thông báo:\n"
    "────────\n"
    "{message}\n"
    "────────\n"
    "Gửi cho: {groups}\n"
    "Địa bàn: {area}\n"
    "Số người nhận: {counts} — tổng {total} người.\n"
    "(Không tính những người đã chặn bot.)"
)
PREVIEW_PHOTO = "[Ảnh: {url}]"
PREVIEW_PHOTO_SENT = "[Kèm ảnh bạn đã gửi]"
# A photo sent in the chat reaches Zalo only through a public link to it (CDSBOT_WEBHOOK_BASE_URL).
PREVIEW_PHOTO_TEXT_ONLY = (
    "Lưu ý: người nhận trên {channels} chỉ nhận phần chữ, không kèm ảnh, vì bot chưa có địa chỉ công khai để "
    "{channels} lấy ảnh (quản trị đặt CDSBOT_WEBHOOK_BASE_URL). Muốn họ thấy ảnh, bạn dán đường link ảnh."
)
PREVIEW_NOBODY = "Với lựa chọn này chưa có ai nhận được thông báo. Bạn đổi người nhận hoặc địa bàn nhé."
SEND_NOW = "Gửi ngay"
SEND_LATER = "Hẹn giờ gửi"
SEND_FOR_APPROVAL = "Gửi cán bộ duyệt"
SEND_LATER_APPROVAL = "Hẹn giờ (sau khi duyệt)"
EDIT_TEXT = "Sửa nội dung"
EDIT_AUDIENCE = "Đổi người nhận"
ASK_WHEN = "Gửi lúc nào? Gõ ngày giờ theo giờ Việt Nam, ví dụ {examples}."
WHEN_PAST = (
    "Thời điểm {when} đã qua hoặc quá gần. Chọn một thời điểm sau bây giờ ít nhất 2 phút, ví dụ {examples}."
)
WHEN_TOO_FAR = "Chỉ hẹn được trong vòng {days} ngày tới. Bạn chọn ngày gần hơn nhé."

# --- officers: outcome of composing ---
TITLE = "Thông báo — {area}"
TITLE_EVERYWHERE = "Thông báo"
STARTED = (
    "Đã bắt đầu gửi thông báo #{id} tới {total} người. Tin nhắn tiếp theo sẽ cho biết tiến độ; "
    "gõ /thongbao để xem lại."
)
SCHEDULED = "Đã hẹn gửi thông báo #{id} lúc {when} tới {total} người. Muốn hủy, gõ /thongbao."
# A leader's announcement that needs approval: one message saying what will really happen.
SENT_FOR_APPROVAL = (
    "Thông báo #{id} ({total} người nhận) cần cán bộ duyệt trước khi gửi. Mình đã chuyển cho {approvers} "
    "duyệt; {after} Khi được duyệt hoặc bị từ chối, mình sẽ báo bạn."
)
AFTER_APPROVAL_NOW = "được duyệt là gửi ngay."
AFTER_APPROVAL_LATER = "được duyệt thì gửi lúc {when}."
APPROVERS_UNNAMED = "cán bộ phụ trách"
NO_APPROVER = (
    "Thông báo #{id} ({total} người nhận) cần cán bộ duyệt trước khi gửi, nhưng chưa có cán bộ nào phụ "
    "trách {area} dùng bot, nên thông báo chưa được gửi và đang chờ. Bạn nhờ cán bộ xã nhắn cho bot rồi "
    "gõ /thongbao để duyệt; muốn bỏ thông báo này, gõ /thongbao."
)
OUT_OF_SCOPE = "Địa bàn này nằm ngoài phạm vi của bạn, nên không gửi được."
NOBODY_NOW = "Lúc này không còn ai trong danh sách nhận, nên thông báo chưa được gửi."

# --- approvals ---
APPROVAL_REQUEST = (
    "{author} đề nghị gửi thông báo #{id} tới {groups} ở {area} ({total} người){when}:\n\n{text}"
)
APPROVAL_WHEN = ", hẹn lúc {when}"
APPROVE = "Duyệt #{id}"
REJECT = "Từ chối #{id}"
APPROVED_AUTHOR = "Thông báo #{id} đã được {name} duyệt. {next}"
APPROVED_NOW = "Đang bắt đầu gửi."
APPROVED_LATER = "Sẽ gửi lúc {when}."
APPROVED_REPLY = "Đã duyệt thông báo #{id}; {next}"
APPROVED_REPLY_NOW = "đang gửi tới {total} người."
APPROVED_REPLY_LATER = "sẽ gửi lúc {when} tới {total} người."
ASK_REASON = "Vì sao từ chối thông báo #{id}? Gõ lý do ngắn gọn để báo lại người soạn."
REASON_FORM = "lý do từ chối"
REASON_EMPTY = "Bạn gõ lý do từ chối giúp mình nhé."
REJECTED_AUTHOR = (
    "Thông báo #{id} chưa được duyệt. Lý do: {reason}\nBạn có thể sửa và gửi lại bằng /thongbao."
)
REJECTED_REPLY = "Đã từ chối thông báo #{id} và báo lại người soạn."
ALREADY_DECIDED = "Thông báo #{id} đã được xử lý trước đó ({status})."
NOT_YOURS = "Bạn không có quyền với thông báo #{id}."
UNKNOWN = "Không tìm thấy thông báo #{id}."

# --- listing, cancelling, results ---
LIST_HEADER = "Các thông báo gần đây:"
LIST_EMPTY = "Chưa có thông báo nào."
LIST_LINE = "#{id} · {when} · {status} · {counts}"
LIST_HINT = 'Gõ "/thongbao moi" để soạn thông báo mới.'
NEW = "Soạn thông báo mới"
CANCEL = "Hủy #{id}"
STOP = "Dừng gửi #{id}"
DETAILS = "Xem #{id}"
CSV = "Tải kết quả #{id} (CSV)"
CANCELLED = "Đã hủy thông báo #{id}; {count} tin chưa gửi đã được hủy."
STOPPED = "Đã dừng gửi thông báo #{id}: {sent} tin đã gửi, {count} tin chưa gửi đã được hủy."
CANNOT_CANCEL = "Thông báo #{id} {status}, không hủy được nữa."
STATUS_LABELS = {
    "pending_approval": "chờ duyệt",
    "scheduled": "đã hẹn giờ",
    "sending": "đang gửi",
    "done": "đã gửi xong",
    "cancelled": "đã hủy",
    "rejected": "bị từ chối",
}
DETAIL = (
    "Thông báo #{id} — {status}\n"
    "Gửi cho: {groups} · Địa bàn: {area} · Kênh: {channels}\n"
    "Tạo lúc: {created}{when}\n"
    "{counts}\n\n"
    "{text}"
)
DETAIL_WHEN = " · hẹn gửi: {when}"
DETAIL_REASON = "\nLý do từ chối: {reason}"
COUNTS = "đã gửi {sent}/{total}, lỗi {failed}, chặn bot {blocked}, còn lại {remaining}"
COUNTS_PLANNED = "{total} người nhận"
CSV_CAPTION = "Kết quả gửi thông báo #{id}: {rows} người nhận."
CSV_FILE = "tệp kết quả gửi thông báo #{id} (CSV)"
WEB_PAGE = "Thông báo"  # the web console's page (bot/web/pages/broadcasts.py)
CSV_HEADER = ("STT", "Kênh", "Người nhận", "Mã người dùng", "Trạng thái", "Số lần thử", "Gửi lúc", "Lỗi")
CSV_STATUS = {
    "pending": "chưa gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "lỗi",
    "blocked": "đã chặn bot",
    "cancelled": "đã hủy",
}

# --- the author's status message (edited in place on Telegram) and the summary ---
STATUS_SENDING = (
    "Thông báo #{id} đang gửi\n"
    "Đã gửi: {sent}\n"
    "Không gửi được: {failed}\n"
    "Đã chặn bot: {blocked}\n"
    "Còn lại: {remaining}\n"
    "Dự kiến xong: {eta}"
)
STATUS_DONE = (
    "Thông báo #{id} đã gửi xong lúc {finished}\n"
    "Đã gửi: {sent}\n"
    "Không gửi được: {failed}\n"
    "Đã chặn bot: {blocked}\n"
    "Tổng: {total} người"
)
STATUS_CANCELLED_NOTE = "Đã hủy: {cancelled}"
SUMMARY_HINT = "Bấm nút bên dưới (hoặc trả lời 1) để nhận danh sách kết quả từng người (CSV)."
CSV_CHOICE = "Tải kết quả (CSV)"
