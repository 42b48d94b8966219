"""Every sentence the bot says in the foundation, as constants: tests assert these, copy edits stay safe."""

from __future__ import annotations

# --- Glossary: one word for one thing, in every feature's texts (tests/core/test_glossary.py scans every
# texts module for the variants in AVOID) ---
AREA = "địa bàn"  # the commune/hamlet someone belongs to or a message is for
CHOSEN = "Đã chọn: {items}"  # what is ticked on a multi-select step
NOTHING_CHOSEN = "Chưa chọn mục nào."  # nothing ticked yet (a sentence of its own, never "Đã chọn: …")
NOT_CHOSEN = "chưa chọn"  # a card's field not filled in yet
# Variant → the glossary's word. Service codes are shown as people type them ("vneid"), never as stored.
AVOID = {
    "thôn/xã": AREA,
    "(chưa chọn)": NOTHING_CHOSEN,
    "Đã chọn: Chưa": NOTHING_CHOSEN,
    "Ngày chưa đúng: Ngày": "Ngày chưa đúng: dd/mm/yyyy …",
    "vneid2": "vneid",
    "ngày thứ": "hôm nay là ngày {day}/{total}",
    "chưa cho bot gửi tệp": "không nhận được tệp từ bot (handlers/core/files.py)",
    "không gửi được tệp": "không nhận được tệp từ bot (handlers/core/files.py)",
}

# A file the chat cannot receive (Zalo bots and OAs): one wording everywhere, built by handlers/core/files.py.
FILES_CANNOT = "{channel} không nhận được tệp từ bot"
FILES_ELSEWHERE = FILES_CANNOT + ", nên mình chưa gửi {what} ở đây được. Để lấy tệp, bạn {ways}."
FILES_LINKED = FILES_CANNOT + ", nên bạn tải {what} qua đường dẫn dưới đây (dùng được đến {expires}):"
FILES_LINK_LINE = "• {name}: {url}"
FILES_ON_TELEGRAM = "mở bot trên Telegram và gõ {command}"
FILES_ON_WEB = "gõ /web để mở trang «{page}» trên máy tính"
FILES_ON_SERVER = "nhờ quản trị viên chạy trên máy chủ lệnh «{cli}»"
FILES_OR = ", hoặc "
FILES_THIS_CHANNEL = "Kênh này"
# Said under any other reply that carried a file, where the chat cannot take files (bot/channels/zalo.py).
FILES_NOTE = "(" + FILES_CANNOT.format(channel="Zalo") + ". Bạn mở bot trên Telegram để nhận tệp.)"

GREETING = (
    "Xin chào {name}! Mình là trợ lý của Tổ công nghệ số cộng đồng.\n\n"
    "Mình có thể giúp:\n"
    "• Trả lời câu hỏi về VNeID, thẻ căn cước, dịch vụ công trực tuyến, chữ ký số, SIM chính chủ.\n"
    "• Chuyển câu hỏi khó tới thành viên Tổ ở gần bạn.\n"
    "• Gửi thông báo của xã/phường khi bạn đăng ký nhận tin.\n\n"
    'Bạn cứ nhắn câu hỏi, có dấu hay không dấu đều được. Ví dụ: "quên mật khẩu VNeID".\n'
    "Gõ /trogiup để xem các lệnh."
)

HELP_HEADER = "Bạn đang dùng bot với vai trò {role}. Các lệnh bạn dùng được:"
CHOOSE_BY_NUMBER = "Trả lời bằng số để chọn:"
HELP_FOOTER = (
    'Trên Zalo không cần dấu /: gõ "trogiup", "huy"… cũng được.\n'
    "Khi bot đưa lựa chọn đánh số, trả lời bằng số (1, 2, 3…)."
)

CANCELLED = "Đã hủy {form}. Bạn có thể bắt đầu lại bất cứ lúc nào."
NOTHING_TO_CANCEL = "Hiện không có việc gì đang làm dở để hủy."
FORM_EXPIRED = "{form} đã hết hạn vì để lâu không trả lời, nên mình đã hủy. Gõ lại lệnh để bắt đầu lại."
FORM_REPLACED = "Đã bỏ {form} đang làm dở để bắt đầu việc mới."
FORM_BACK_FIRST = "Đây đã là bước đầu tiên. Gõ /huy nếu muốn dừng."
FORM_HINT = '(Gõ "quay lại" để sửa bước trước, /huy để dừng.)'

UNKNOWN_COMMAND = "Mình chưa biết lệnh {command}. Gõ /trogiup để xem các lệnh dùng được."
NOT_ALLOWED = "Chỉ {who} mới dùng được lệnh {command}."
NOT_ALLOWED_CITIZEN_HINT = "Nếu bạn là thành viên Tổ, hãy xin mã mời từ tổ trưởng rồi gõ /dangky MÃ."
BUTTON_NOT_ALLOWED = "Chỉ {who} mới dùng được nút này."
# Who may use what needs at least this role, as a refusal says it.
WHO_CAN = {
    "citizen": "mọi người",
    "member": "thành viên Tổ công nghệ số, tổ trưởng hoặc cán bộ xã/phường",
    "leader": "tổ trưởng hoặc cán bộ xã/phường",
    "officer": "cán bộ xã/phường",
    "admin": "quản trị viên",
}
PRIVATE_ONLY = (
    "{what} có thông tin riêng nên mình chỉ trả lời trong tin nhắn riêng: bạn nhắn riêng cho bot nhé."
)
PRIVATE_ONLY_LINK = "{what} có thông tin riêng nên mình chỉ trả lời trong tin nhắn riêng: {link}"
THIS_BUTTON = "Nút này"
EMPTY_TEXT = "Mình chưa nhận được nội dung. Bạn nhắn câu hỏi bằng chữ giúp mình nhé."
TOO_LONG = (
    "Tin nhắn dài quá ({length} ký tự), mình chỉ đọc được tối đa {limit} ký tự. "
    "Bạn tóm tắt câu hỏi trong vài dòng giúp mình nhé."
)
FALLBACK = (
    'Cảm ơn bạn đã nhắn. Mình chưa hiểu ý bạn. Bạn thử hỏi ngắn gọn, ví dụ "quên mật khẩu VNeID", '
    "hoặc gõ /trogiup."
)
STALE_BUTTON = (
    "Nút này thuộc tin nhắn cũ nên không còn dùng được. Bạn gõ lại lệnh hoặc câu hỏi giúp mình nhé."
)
BAD_CHOICE = "Bạn chọn số từ 1 đến {count} giúp mình nhé."
ERROR_APOLOGY = (
    "Xin lỗi, mình vừa gặp trục trặc khi xử lý tin nhắn này. Bạn thử lại sau ít phút nhé; "
    "nội dung bạn đã nhập trước đó vẫn được giữ."
)
FLOOD_WAIT = (
    "Bạn nhắn nhanh quá, mình chưa kịp đọc hết: các tin nhắn gửi trước {time} mình sẽ không đọc. "
    "Từ {time}, bạn nhắn lại giúp mình nhé."
)
GROUP_ONLY_COMMANDS = "Trong nhóm, mình chỉ trả lời lệnh hoặc khi được nhắc tên."

MEDIA_REPLY = {
    "sticker": "Cảm ơn nhãn dán của bạn! Mình chỉ đọc được chữ, bạn nhắn câu hỏi bằng chữ giúp mình nhé.",
    "photo": (
        "Mình chưa xem được ảnh. Bạn gõ bằng chữ nội dung cần hỏi nhé. "
        "Lưu ý: đừng gửi ảnh thẻ căn cước hay giấy tờ cá nhân qua tin nhắn."
    ),
    "voice": "Mình chưa nghe được tin nhắn thoại. Bạn gõ câu hỏi bằng chữ giúp mình nhé.",
    "video": "Mình chưa xem được video. Bạn gõ câu hỏi bằng chữ giúp mình nhé.",
    "document": (
        "Mình chưa đọc được tệp đính kèm. Bạn gõ câu hỏi bằng chữ nhé; đừng gửi giấy tờ cá nhân qua tin nhắn."
    ),
    "location": (
        "Mình đã nhận vị trí, nhưng chưa dùng được. Bạn gõ tên địa bàn (thôn, xã) bằng chữ giúp mình nhé."
    ),
    "contact": "Mình chưa dùng được danh bạ. Bạn gõ câu hỏi bằng chữ giúp mình nhé.",
    "edited": "Mình chỉ đọc tin nhắn mới, không đọc tin đã sửa. Bạn gửi lại nội dung thành tin mới nhé.",
    "unsupported": ("Mình chưa đọc được nội dung tin nhắn này. Bạn gõ câu hỏi bằng chữ giúp mình nhé."),
}

# --- FAQ (citizens) ---
FAQ_SOURCE = "Nguồn: {url}"
FAQ_UPDATED = "Cập nhật: {date}"
FAQ_ASK_FEEDBACK = "Câu trả lời có giúp được bạn không?"
FAQ_HELPFUL = "Hữu ích"
FAQ_WRONG = "Chưa đúng"
FAQ_DID_YOU_MEAN = "Có phải bạn hỏi một trong các câu sau? Chọn câu gần nhất nhé:"
FAQ_NONE_OF_THESE = "Không phải các câu trên"
FAQ_DECLINE = (
    "Xin lỗi, câu này mình chưa có câu trả lời chắc chắn, nên không muốn đoán.\n\n"
    "Bạn có thể:\n"
    '• Hỏi lại ngắn gọn hơn, ví dụ "quên mật khẩu VNeID", "làm căn cước cho con".\n'
    "• Gõ /chude để xem các chủ đề mình trả lời được.\n"
    "• Chọn «Hỏi Tổ công nghệ số»: mình chuyển câu hỏi tới thành viên Tổ ở địa bàn của bạn, "
    "họ sẽ trả lời bạn ngay tại đây.\n"
    "Cần gấp, bạn gọi tổng đài 1900 0368 (VNeID, căn cước)."
)
FAQ_THANKS_FEEDBACK = "Cảm ơn bạn đã cho biết! Cần hỏi gì thêm bạn cứ nhắn nhé."
FAQ_SORRY_WRONG = (
    "Xin lỗi vì câu trả lời chưa đúng ý bạn. Bạn thử hỏi lại bằng cách khác, "
    "hoặc chọn «Hỏi Tổ công nghệ số» để thành viên Tổ ở địa bàn của bạn trả lời."
)
FAQ_FEEDBACK_DONE = "Mình đã ghi nhận rồi, cảm ơn bạn."
FAQ_GONE = "Mục này không còn trong cơ sở trả lời. Bạn nhắn lại câu hỏi giúp mình nhé."
FAQ_EMPTY_BASE = "Cơ sở câu hỏi đang được cập nhật. Bạn hỏi lại sau ít phút, hoặc gọi tổng đài 1900 0368."
SMALLTALK_GREETING = (
    "Chào bạn! Mình trả lời được các câu hỏi về VNeID, căn cước, dịch vụ công, chữ ký số và SIM chính chủ. "
    "Bạn cần hỏi gì cứ nhắn nhé."
)
SMALLTALK_THANKS = "Không có gì ạ! Cần hỏi thêm gì bạn cứ nhắn nhé."
SMALLTALK_GOODBYE = "Chào bạn, chúc bạn một ngày tốt lành!"
SMALLTALK_CAPABILITIES = (
    "Mình có thể:\n"
    "• Trả lời câu hỏi về VNeID (đăng ký, kích hoạt, quên mật khẩu, đổi máy…), thẻ căn cước, "
    "dịch vụ công trực tuyến, chữ ký số, SIM chính chủ và cách phòng lừa đảo.\n"
    "• Chỉ nơi cần đến làm thủ tục.\n"
    "• Gửi thông báo của xã/phường nếu bạn đăng ký nhận tin.\n\n"
    "Bạn cứ nhắn câu hỏi, hoặc gõ /chude để xem các chủ đề."
)
TOPICS_HEADER = "Các nhóm chủ đề. Chọn một nhóm để xem câu hỏi:"
TOPIC_HEADER = 'Các câu hỏi trong nhóm "{theme}":'

# --- /start and /trogiup, one for each role ---
WELCOME = {
    "member": "Xin chào {name}! Bạn là thành viên Tổ công nghệ số cộng đồng{where}. Việc bạn hay làm:",
    "leader": "Xin chào {name}! Bạn là tổ trưởng Tổ công nghệ số cộng đồng{where}. Việc bạn hay làm:",
    "officer": "Xin chào {name}! Bạn là cán bộ phụ trách chuyển đổi số{where}. Việc bạn hay làm:",
    "admin": "Xin chào {name}! Bạn là quản trị viên của bot{where}. Việc bạn hay làm:",
}
WELCOME_WHERE = " của {area}"
WELCOME_FOOTER = "Gõ /trogiup để xem tất cả các lệnh."
HELP_TIPS = {
    "citizen": "Muốn hỏi gì, bạn cứ nhắn câu hỏi như khi nói chuyện.",
    "member": "Ghi nhanh một buổi trong một dòng: /ghinhan 14/03 | 3 | vneid, dvc | ghi chú",
    "leader": "Cần thêm người cho Tổ: /moi tạo mã mời; /thanhvien để chuyển thôn, đổi vai trò.",
    "officer": "Thông báo cho người dân: /thongbao; sửa câu trả lời của bot: /faq; chỉ tiêu: /chiendich.",
    "admin": "Quyền quản trị do cấu hình CDSBOT_ADMINS quy định; thêm hoặc đổi tên địa bàn: /khuvuc.",
}
HELP_PRIVATE_MARK = " (nhắn riêng)"
