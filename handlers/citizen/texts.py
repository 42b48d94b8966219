"""What citizens read in the FAQ chat beyond the shared texts (handlers/core/texts.py): the warning line,
«Xem thêm», the reminder of an open form, and the line that a question is still with the team."""

from __future__ import annotations

# A scam warning, sent on its own before anything else.
ALERT = "⚠️ {text}"
# The button (a number on Zalo and the console) under an answer that has more to say.
MORE = "Xem thêm"
MORE_HEADER = "{title}: thêm chi tiết"
MORE_NONE = "Mục này không có thêm chi tiết. Cần hỏi gì thêm bạn cứ nhắn nhé."
# Choice labels of "Có phải bạn hỏi…" are cut between words to this many characters.
LABEL_CHARS = 60
# Answered from the FAQ while a member of the team has the citizen's question.
STILL_WITH_TEAM = (
    "Câu hỏi #{id} của bạn vẫn đang ở chỗ Tổ; tin nhắn này mình trả lời luôn, không chuyển cho Tổ."
)
# A clear question typed while a form waits for its answer.
FORM_STILL_OPEN = "{form} vẫn đang mở: trả lời tiếp câu hỏi của phiếu, hoặc gõ /huy để thoát rồi hỏi tự do."
# The citizen's question for the team, answered by the FAQ instead: sending it stays their choice.
QUESTION_ANSWERED_HERE = (
    "Mình đã trả lời ở trên nên chưa gửi câu này cho Tổ. Vẫn muốn Tổ trả lời, bấm «{offer}»."
)
