"""What the bot says about hand-offs, the learning loop and /faq for officers, as constants."""

from __future__ import annotations

from datetime import timedelta

CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "zalo_oa": "Zalo OA", "console": "máy chủ"}

# --- citizens ---
OFFER = "Hỏi Tổ công nghệ số"
ASK_QUESTION = (
    "Bạn nhắn câu hỏi muốn gửi Tổ công nghệ số nhé, viết đủ ý trong một tin. "
    "Đừng gửi số căn cước hay số điện thoại: mình sẽ tự ẩn các số đó.\n(Gõ /huy để thôi.)"
)
QUESTION_EMPTY = "Bạn nhắn câu hỏi bằng chữ giúp mình nhé."
ASK_COMMUNE = "Bạn ở xã/phường nào? Mình chuyển câu hỏi tới Tổ ở gần bạn. Chọn hoặc gõ tên:"
ASK_COMMUNE_TYPED = "Bạn ở xã/phường nào? Gõ tên xã/phường, ví dụ: {example}."
ASK_HAMLET = "Bạn ở thôn/tổ dân phố nào của {commune}? Chọn hoặc gõ tên:"
ASK_HAMLET_TYPED = "Bạn ở thôn/tổ dân phố nào của {commune}? Gõ tên, ví dụ: {example}."
WHOLE_COMMUNE = "Không rõ thôn — gửi Tổ của {commune}"
PICK_ONE = "Bạn chọn một dòng trong danh sách, hoặc gõ tên giúp mình nhé."
PLACE_NOT_FOUND = 'Mình không tìm thấy nơi nào tên "{text}". Bạn gõ lại, hoặc chọn trong danh sách.'
PLACE_AMBIGUOUS = "Có mấy nơi trùng tên: {names}. Bạn gõ rõ hơn giúp mình."
NO_TREE = (
    "Xin lỗi, bot chưa có danh sách địa bàn (thôn, xã) nên chưa chuyển câu hỏi tới Tổ được. "
    "Bạn hỏi trực tiếp Tổ công nghệ số ở địa bàn của bạn, hoặc gọi tổng đài 1900 0368 (VNeID, căn cước)."
)
HANDED_OFF = (
    "Mình đã chuyển câu hỏi #{id} tới Tổ công nghệ số {place}. Khi có người nhận và trả lời, "
    "mình sẽ nhắn lại bạn ngay tại đây. Cần gấp, bạn gọi tổng đài 1900 0368 (VNeID, căn cước)."
)
HANDED_OFF_NOBODY = (
    "Mình đã lưu câu hỏi #{id}, nhưng {place} hiện chưa có thành viên Tổ nào dùng bot. "
    "Khi có người nhận, mình sẽ nhắn lại bạn ngay tại đây. Cần gấp, bạn gọi tổng đài 1900 0368."
)
ALREADY_WAITING = "Câu hỏi #{id} của bạn đã được chuyển tới Tổ và đang chờ người nhận. Bạn chờ thêm chút nhé."
ADDED_TO_WAITING = (
    "Bạn đang có câu hỏi #{id} chờ Tổ trả lời, nên mình đã thêm nội dung này vào câu hỏi đó. "
    "Người nhận sẽ đọc cả hai."
)
TAKEN_CITIZEN = (
    "{name} ở Tổ công nghệ số đã nhận câu hỏi #{id} của bạn và sẽ trả lời sớm. "
    "Bạn có thể nhắn thêm chi tiết ngay tại đây."
)
ANSWER_TO_CITIZEN = (
    "Trả lời câu hỏi #{id} của bạn, từ {name} (Tổ công nghệ số {place}):\n\n{text}\n\n"
    "Câu trả lời có giúp được bạn không? Nếu cần hỏi thêm, bạn cứ nhắn ngay tại đây."
)
HELPFUL = "Hữu ích"
WRONG = "Chưa đúng"
# Every relayed message says where it went, and how to stop (the relay lasts up to a day).
FOLLOW_UP_SENT = "Đã chuyển vào câu hỏi #{id} cho {name}. (Gõ /huy nếu không cần nhắn cho Tổ nữa.)"
FOLLOW_UP_KEPT = (
    "Đã chuyển vào câu hỏi #{id}: mình đã lưu tin nhắn, Tổ sẽ đọc khi trả lời. "
    "(Gõ /huy nếu không cần nhắn cho Tổ nữa.)"
)
RELAY_STOPPED = (
    "Đã thôi chuyển tin nhắn vào câu hỏi #{id}; từ giờ mình trả lời bạn như thường. "
    "Muốn hỏi Tổ lại, gõ /hoito kèm câu hỏi."
)
THANKS_RATED = "Cảm ơn bạn đã cho biết! Câu hỏi #{id} đã xong. Cần hỏi gì thêm bạn cứ nhắn nhé."
SORRY_RATED = (
    "Xin lỗi vì câu trả lời chưa đúng ý bạn. Mình đã báo lại {name}. "
    "Bạn nhắn thêm chi tiết ngay tại đây để {name} trả lời tiếp nhé."
)
RATE_CLOSED = "Câu hỏi #{id} đã đóng. Cảm ơn bạn! Cần hỏi gì thêm bạn cứ nhắn nhé."
CLOSED_CITIZEN = (
    "Câu hỏi #{id} đã được Tổ đóng lại. Từ giờ mình sẽ trả lời các câu hỏi tiếp theo của bạn; "
    "cần người hỗ trợ, bạn gõ /hoito."
)
THE_MEMBER = "thành viên Tổ"

# --- team members ---
NEW_QUESTION = (
    "Câu hỏi #{id} của người dân ở {place} (qua {channel}):\n\n«{text}»\n\n"
    "Bấm «Nhận trả lời» nếu bạn trả lời được (hoặc nhắn riêng cho bot: /traloi {id} nội dung). "
    "Người nhận đầu tiên sẽ trả lời người dân."
)
CLAIM = "Nhận trả lời"
REPLY = "Trả lời"
ESCALATED = (
    "Câu hỏi #{id} của người dân ở {place} đã chờ {waited} mà chưa ai nhận:\n\n«{text}»\n\n"
    "Anh/chị nhận trả lời, hoặc nhắc thành viên Tổ nhận giúp."
)
ESCALATED_NO_TEAM = (
    "Câu hỏi #{id} của người dân ở {place} không có thành viên Tổ nào để chuyển tới:\n\n«{text}»\n\n"
    "Anh/chị nhận trả lời giúp người dân."
)
OUTSIDE = "Câu hỏi #{id} thuộc {place}, ngoài địa bàn của bạn nên bạn không nhận được."
NO_SUCH = "Không có câu hỏi #{id}. Gõ /cauhoi để xem các câu hỏi đang chờ."
TAKEN = "Câu hỏi #{id} đã có người nhận ({name}). Cảm ơn bạn!"
ALREADY_CLOSED = "Câu hỏi #{id} đã đóng."
NOT_YOURS = "Câu hỏi #{id} do {name} nhận, nên chỉ {name} trả lời được."
CLAIMED_IN_GROUP = "{name} đã nhận câu hỏi #{id}. Mình đã nhắn riêng cho {name} để trả lời."
CLAIMED_PRIVATE_NOTE = (
    "Bạn đã nhận câu hỏi #{id}. Bấm «Trả lời» để nhắn câu trả lời cho người dân.\n\n{thread}"
)
ANSWER_PROMPT = (
    "Câu hỏi #{id}:\n\n{thread}\n\n"
    "Nhắn câu trả lời ngay tại đây: mình sẽ chuyển cho người dân và hỏi họ thấy có hữu ích không. "
    "(Gõ /huy để thôi; trả lời sau bằng /traloi {id} nội dung.)"
)
ANSWER_FORM = "phần trả lời câu hỏi"
THREAD_QUESTION = "Người dân hỏi: «{text}»"
THREAD_CITIZEN = "Người dân ({time}): «{text}»"
THREAD_MEMBER = "{name} ({time}): {text}"
ANSWER_SENT = (
    "Đã gửi câu trả lời cho người dân (câu hỏi #{id}). Họ nhắn thêm gì, mình sẽ chuyển cho bạn.\n"
    "Nếu câu hỏi này hay gặp, chọn «Đưa vào cơ sở trả lời» để lần sau bot tự trả lời."
)
ANSWER_KEPT = "Người hỏi dùng kênh mà bot không nhắn lại được, nên câu trả lời chỉ được lưu ở câu hỏi #{id}."
TO_FAQ = "Đưa vào cơ sở trả lời"
CLOSE = "Đóng câu hỏi"
CLOSED_DONE = "Đã đóng câu hỏi #{id}. Tin nhắn sau của người dân sẽ do bot trả lời."
FOLLOW_UP = "Người dân nhắn thêm về câu hỏi #{id}:\n\n«{text}»"
RATED_HELPFUL_MEMBER = "Người dân đánh giá câu trả lời của bạn cho câu hỏi #{id}: Hữu ích. Cảm ơn bạn!"
RATED_WRONG_MEMBER = (
    "Người dân cho biết câu trả lời cho câu hỏi #{id} chưa đúng ý. Bạn bấm «Trả lời» để trả lời tiếp."
)
REPLY_USAGE = "Gõ /traloi SỐ nội dung, ví dụ: /traloi 12 Bác mang thẻ căn cước ra UBND xã nhé."
LIST_TITLE = "Câu hỏi của người dân ở {scope}:"
LIST_EVERYWHERE = "mọi nơi"
LIST_OPEN = "Chưa có người nhận ({count}):"
LIST_TAKEN = "Đang trả lời ({count}):"
LIST_EMPTY = "Hiện không có câu hỏi nào đang chờ. Cảm ơn Tổ!"
LIST_LINE_OPEN = "• #{id} · {place} · {ago}{overdue} — «{text}»"
LIST_LINE_TAKEN = "• #{id} · {name} · {place} · {state} — «{text}»"
LIST_OVERDUE = " (quá hạn)"
LIST_STATE_CLAIMED = "chưa trả lời"
LIST_STATE_ANSWERED = "đã trả lời"
LIST_MORE = "… và {count} câu khác. Gõ /cauhoi SỐ để xem một câu."
LIST_HINT = "Gõ /cauhoi SỐ để xem chi tiết một câu hỏi."
NO_SCOPE = "Bạn chưa gắn với địa bàn nào nên chưa xem được câu hỏi. Hỏi tổ trưởng hoặc cán bộ xã nhé."
DETAIL = "Câu hỏi #{id} · {place} · {state}\nGửi lúc {created}{taker}\n\n{thread}"
STATE_NAMES = {
    "open": "chưa có người nhận",
    "claimed": "đã nhận",
    "answered": "đã trả lời",
    "closed": "đã đóng",
}
TAKER = " · người nhận: {name}"
CLAIM_ID = "Nhận #{id}"
REPLY_ID = "Trả lời #{id}"
TEAM_CHAT_PRIVATE = (
    "Gõ /nhomto trong nhóm chat của Tổ (thêm bot vào nhóm trước): câu hỏi của người dân ở địa bàn "
    "sẽ được gửi cả vào nhóm. Gõ /nhomto huy trong nhóm để thôi."
)
TEAM_CHAT_NO_AREA = "Bạn chưa gắn với địa bàn nào nên chưa đăng ký nhóm được."
TEAM_CHAT_SET = (
    "Đã đăng ký nhóm này là nhóm của Tổ {place}: câu hỏi của người dân ở đây sẽ được gửi vào nhóm."
)
TEAM_CHAT_REMOVED = "Nhóm này không còn nhận câu hỏi của người dân nữa."
TEAM_CHAT_NONE = "Nhóm này chưa được đăng ký."


def ago(delta: timedelta) -> str:
    """ "5 phút trước", "3 giờ trước", "2 ngày trước"."""
    return f"{duration(delta)} trước"


def duration(delta: timedelta) -> str:
    """A span of time the way people say it: "45 phút", "2 giờ 15 phút", "3 ngày 4 giờ"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} ngày {hours} giờ" if hours else f"{days} ngày"
    if hours:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    return f"{minutes} phút"


# --- the learning loop ---
LEARN_TITLE = "đề xuất cho cơ sở trả lời"
LEARN_NOT_ANSWERED = "Câu hỏi #{id} chưa có câu trả lời nào, nên chưa đưa vào cơ sở trả lời được."
LEARN_ONLY_TAKER = "Chỉ người đã trả lời câu hỏi #{id}, hoặc cán bộ, mới đề xuất từ câu hỏi này được."
LEARN_KIND = (
    "Người dân hỏi: «{wording}»\n\n"
    "Thêm câu này làm một cách hỏi của mục có sẵn (bot sẽ tự trả lời câu hỏi giống thế), "
    "hoặc đề xuất một mục mới từ câu trả lời của bạn:"
)
LEARN_ADD_TO = "Thêm vào: {title}"
LEARN_NEW = "Đề xuất mục mới"
LEARN_PICK = "Bạn chọn một dòng trong danh sách giúp mình."
LEARN_PHRASE = (
    "Thêm cách hỏi «{wording}» vào mục «{title}»?\n\n"
    "Chọn «Gửi», hoặc gõ lại câu hỏi cho gọn hơn (không ghi số điện thoại, số giấy tờ)."
)
LEARN_SEND = "Gửi"
LEARN_SAVE = "Lưu vào cơ sở trả lời"
LEARN_ALREADY = "Mục «{title}» đã có cách hỏi này rồi, không cần thêm."
LEARN_CONFLICT = "Cách hỏi này đã có ở mục «{title}». Bạn gõ cách hỏi khác, hoặc /huy."
LEARN_ASK_TITLE = (
    "Tiêu đề của mục mới, viết như một câu hỏi ngắn (ví dụ: “Làm căn cước cho người già yếu tại nhà?”). "
    "Hoặc chọn dùng câu của người dân."
)
LEARN_SAME_WORDING = "Dùng câu của người dân"
LEARN_BAD_TITLE = "Tiêu đề cần từ 5 đến 300 ký tự. Bạn gõ lại giúp mình."
LEARN_ASK_PHRASINGS = (
    "Mục mới cần ít nhất {need} cách hỏi để bot nhận ra. Đã có {have}:\n{listed}\n\n"
    "Gõ thêm {more} cách hỏi khác mà người dân hay dùng, mỗi dòng một câu."
)
LEARN_ASK_ANSWER = (
    "Câu trả lời của mục mới (tối đa {limit} ký tự): chọn dùng câu trả lời bạn đã gửi người dân, "
    "hoặc gõ câu trả lời khác."
)
LEARN_SAME_ANSWER = "Dùng câu trả lời đã gửi"
LEARN_BAD_ANSWER = "Câu trả lời cần có nội dung và không quá {limit} ký tự. Bạn gõ lại giúp mình."
LEARN_CONFIRM = "Mục mới:\n\n{title}\n\nCách hỏi:\n{listed}\n\nTrả lời:\n{answer}"
LEARN_SENT = "Đã gửi đề xuất #{id} tới cán bộ để duyệt. Khi được duyệt, bot sẽ tự trả lời câu hỏi này."
LEARN_NO_APPROVER = (
    "Đã lưu đề xuất #{id}, nhưng chưa có cán bộ nào dùng bot để duyệt. Cán bộ xem bằng /faq duyet."
)
LEARN_REVIEW_PHRASING = "Đề xuất #{id} của {name}: thêm cách hỏi «{wording}» vào mục «{title}» ({entry})."
LEARN_REVIEW_ENTRY = (
    "Đề xuất #{id} của {name}: mục mới «{title}».\n\nCách hỏi:\n{listed}\n\nTrả lời:\n{answer}"
)
APPROVE = "Duyệt"
EDIT_PROPOSAL = "Sửa"
EDIT_PROPOSAL_ID = "Sửa đề xuất #{id}"
EDIT_WHICH = "Bạn muốn sửa phần nào của đề xuất #{id}?"
EDIT_PART = {"wording": "Cách hỏi", "title": "Tiêu đề", "answer": "Câu trả lời"}
EDIT_ASK = (
    "{part} hiện tại:\n\n{current}\n\nBạn gõ nội dung mới (thay cho nội dung trên), hoặc /huy để giữ nguyên."
)
EDIT_NOT_YOURS = "Chỉ người gửi đề xuất #{id}, hoặc cán bộ phụ trách địa bàn, mới sửa được đề xuất này."
EDIT_SAVED = "Đã sửa đề xuất #{id}."
EDIT_REVISED_NOTICE = "Đề xuất #{id} vừa được người gửi sửa lại. Nội dung mới:"
EDIT_BAD_WORDING = "Cách hỏi cần có nội dung. Bạn gõ lại giúp mình."
EDIT_TITLE = "việc sửa đề xuất"
REJECT = "Không duyệt"
APPROVE_ID = "Duyệt #{id}"
REJECT_ID = "Không duyệt #{id}"
LEARN_APPLIED_PHRASING = "Đã thêm cách hỏi vào mục «{title}». Từ giờ bot tự trả lời câu hỏi này."
LEARN_APPLIED_ENTRY = "Đã thêm mục mới «{title}» (mã {entry}). Từ giờ bot tự trả lời câu hỏi này."
LEARN_APPROVED_NOTICE = "Đề xuất #{id} của bạn đã được duyệt: «{title}». Cảm ơn bạn!"
LEARN_REJECTED = "Đã không duyệt đề xuất #{id}."
LEARN_REJECTED_NOTICE = "Đề xuất #{id} của bạn chưa được duyệt. Cán bộ có thể liên hệ để trao đổi thêm."
LEARN_DECIDED = "Đề xuất #{id} đã được xử lý rồi."
LEARN_NOT_YOURS = "Đề xuất #{id} thuộc địa bàn khác, bạn không duyệt được."
LEARN_ENTRY_GONE = "Mục «{entry}» không còn trong cơ sở trả lời, nên không thêm được cách hỏi."
LEARN_INVALID = "Đề xuất #{id} chưa hợp lệ: {problems}"
LEARN_THEME = "Hỏi đáp của Tổ công nghệ số"
PENDING_TITLE = "Đề xuất chờ duyệt ({count}):"
PENDING_NONE = "Không có đề xuất nào chờ duyệt."

# --- /faq for officers ---
FAQ_MENU = (
    "Cơ sở trả lời: {count} mục, {due} mục đã tới hạn rà soát, {pending} đề xuất chờ duyệt.\n\n"
    "• /faq từ khóa — tìm mục (ví dụ: /faq quên mật khẩu)\n"
    "• /faq xem MÃ — xem, sửa câu trả lời, thêm cách hỏi, đặt hạn rà soát\n"
    "• /faq ratsoat — các mục tới hạn rà soát\n"
    "• /faq duyet — đề xuất chờ duyệt\n"
    "• /faq xuat — xuất toàn bộ ra Excel\n"
    "• /faq nhap — cách nhập lại từ Excel"
)
FAQ_DUE_CHOICE = "Mục cần rà soát"
FAQ_PENDING_CHOICE = "Đề xuất chờ duyệt"
FAQ_EXPORT_CHOICE = "Xuất Excel"
FAQ_FOUND = "Các mục gần nhất với “{query}”:"
FAQ_FOUND_LINE = "{n}. {title} ({id}) — độ khớp {score:.0%}"
FAQ_NOTHING = "Không tìm thấy mục nào gần với “{query}”."
FAQ_GONE = "Không có mục {id} trong cơ sở trả lời."
FAQ_VIEW = (
    "{title}\nMã: {id} · Chủ đề: {theme}\nCập nhật: {updated} · Hạn rà soát: {review}{overdue}\n\n"
    "Cách hỏi ({count}):\n{questions}\n\nTrả lời:\n{answer}{history}"
)
# What citizens do not see at first, or at all, shown to officers under the answer.
FAQ_VIEW_WARNING = "\n\nCảnh báo (hiện trước câu trả lời): {text}"
FAQ_VIEW_DETAILS = "\n\nXem thêm ({length} ký tự): {text}"
FAQ_VIEW_NOTE = "\n\nGhi chú cho cán bộ (người dân không thấy):\n{text}"
FAQ_VIEW_DETAILS_CHARS = 300
FAQ_OVERDUE = " (đã tới hạn)"
FAQ_NONE_DATE = "chưa đặt"
FAQ_MORE_QUESTIONS = "… và {count} cách hỏi khác"
FAQ_HISTORY = "\n\nThay đổi gần nhất: {action} — {actor}, {when}"
FAQ_ACTIONS = {
    "create": "thêm mới",
    "update": "sửa",
    "delete": "xóa",
    "add_phrasing": "thêm cách hỏi",
    "import": "nhập từ tệp",
}
FAQ_EDIT = "Sửa câu trả lời"
FAQ_ADD_PHRASING = "Thêm cách hỏi"
FAQ_SET_REVIEW = "Đặt hạn rà soát"
FAQ_NOT_YOURS = "Mục {id} là mục riêng của địa bàn khác, bạn không sửa được."
FAQ_EDIT_FORM = "phần sửa câu trả lời"
FAQ_EDIT_PROMPT = (
    "Câu trả lời hiện tại của «{title}»:\n\n{answer}\n\n"
    "Gõ câu trả lời mới (tối đa {limit} ký tự). Gõ /huy để thôi."
)
FAQ_EDIT_BAD = "Câu trả lời cần có nội dung và không quá {limit} ký tự (bạn gõ {length})."
FAQ_EDIT_PREVIEW = "Câu trả lời mới của «{title}»:\n\n{answer}\n\nLưu thay đổi?"
FAQ_SAVE = "Lưu"
FAQ_CHANGED_MEANWHILE = (
    "Mục {id} vừa được người khác sửa trong lúc bạn viết, nên mình chưa lưu. Bạn xem lại rồi sửa lại nhé."
)
FAQ_SAVED = "Đã lưu câu trả lời mới của «{title}». Bot dùng ngay từ câu hỏi tiếp theo."
FAQ_PHRASE_FORM = "phần thêm cách hỏi"
FAQ_PHRASE_PROMPT = "Gõ một cách hỏi mới cho «{title}», như người dân hay hỏi. Gõ /huy để thôi."
FAQ_PHRASE_ADDED = "Đã thêm cách hỏi vào «{title}». Bot nhận ra câu này ngay từ câu hỏi tiếp theo."
FAQ_REVIEW_FORM = "phần đặt hạn rà soát"
FAQ_REVIEW_PROMPT = "Hạn rà soát hiện tại của «{title}»: {current}. Gõ hạn mới, ví dụ 30/06/2027."
FAQ_REVIEW_PAST = "Hạn rà soát phải sau hôm nay ({today}). Gõ kèm năm, ví dụ 30/06/2027."
FAQ_REVIEW_SET = "Đã đặt hạn rà soát của «{title}» là {date}."
FAQ_DUE_TITLE = "Các mục đã tới hạn rà soát ({count}):"
FAQ_DUE_NONE = "Không có mục nào tới hạn rà soát."
FAQ_DUE_LINE = "• {title} ({id}) — hạn {date}"
FAQ_EXPORTED = (
    "Toàn bộ cơ sở trả lời: {count} mục. Sửa trong Excel rồi nhập lại trên máy chủ: "
    "cdsbot faq import TỆP.xlsx (gõ /faq nhap để xem cách làm)."
)
FAQ_EXPORT_FILE = "tệp Excel của cơ sở trả lời"
FAQ_PAGE = "Hỏi đáp"  # the web console's page (bot/web/pages/faq.py)
FAQ_EXPORT_CLI = "cdsbot faq export --format xlsx -o faq.xlsx"
FAQ_IMPORT_HOW = (
    "Nhập cơ sở trả lời từ Excel chỉ làm được trên máy chủ (kênh chat không nhận tệp):\n"
    "1. /faq xuat để lấy tệp, sửa trong Excel (mỗi dòng một mục, mỗi cách hỏi một dòng trong ô).\n"
    "2. Trên máy chủ, chạy: cdsbot faq import faq.xlsx — để xem trước các thay đổi.\n"
    "3. Chạy lại với --yes để nhập. Mọi thay đổi được ghi lại (ai, khi nào, trước/sau)."
)
REVIEW_DIGEST = (
    "Các mục của cơ sở trả lời đã tới hạn rà soát ({count}):\n{lines}\n\nXem và sửa bằng /faq ratsoat."
)
REVIEW_DIGEST_MORE = "… và {count} mục khác"

# --- /baocao for officers ---
REPORT_TITLE = "Hỏi đáp của người dân ở {area}, {period}:"
REPORT_EVERYWHERE = "mọi nơi"
REPORT_EMPTY = "Chưa có câu hỏi nào trong thời gian này."
REPORT_SHARE = (
    "Câu hỏi: {questions}. Bot trả lời: {bot} ({bot_share}). Tổ trả lời: {people} ({people_share}). "
    "Chưa trả lời được: {rest} ({rest_share})."
)
REPORT_HANDOFFS = "Chuyển cho Tổ: {handed}, Tổ đã trả lời {answered}, còn chờ {waiting}."
REPORT_MEDIAN = "Thời gian Tổ trả lời (trung vị): {median}."
REPORT_HUMAN_RATING = "Người dân đánh giá câu trả lời của Tổ: Hữu ích {helpful}, Chưa đúng {wrong}."
REPORT_TOP = "Được hỏi nhiều nhất:"
REPORT_TOP_LINE = "{n}. {title}: {count} lần"
REPORT_FEEDBACK = "Đánh giá câu trả lời của bot, theo mục:"
REPORT_FEEDBACK_LINE = "• {title}: Hữu ích {helpful}, Chưa đúng {wrong}"
REPORT_SCOPE_NOTE = "(Chỉ tính câu hỏi của người dân đã cho bot biết địa bàn của mình.)"

# --- fairness: the cap on questions held, and questions released back to the team ---
HELD_TOO_MANY = (
    "Bạn đang giữ {held} câu hỏi chưa xong (tối đa {cap}). Bạn trả lời hoặc đóng bớt một câu "
    "(xem /cauhoi) rồi hãy nhận câu #{id} nhé."
)
RELEASED_MEMBER = (
    "Câu hỏi #{id} đã được trả lại cho Tổ vì sau {hours} bạn chưa trả lời. Nếu vẫn muốn trả lời, "
    "bạn bấm «Nhận trả lời» khi câu hỏi còn chờ."
)
RELEASED_CITIZEN = (
    "Câu hỏi #{id} của bạn đang được chuyển cho người khác ở Tổ công nghệ số để trả lời sớm hơn. "
    "Bạn có thể nhắn thêm chi tiết ngay tại đây."
)
RELEASED_TEAM = (
    "Câu hỏi #{id} của người dân ở {place}, gửi {ago}, lại đang chờ người nhận:\n\n«{text}»\n\n"
    "Bạn nào trả lời được thì bấm «Nhận trả lời» nhé."
)
