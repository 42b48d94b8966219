"""What the web console says, in Vietnamese."""

BRAND = "Tổ công nghệ số"
NOTHING = "Chưa có gì."
LOGOUT = "Đăng xuất"

# getting in
LOGIN_TITLE = "Đăng nhập trang quản lý"
LOGIN_ASK = "Bấm nút dưới đây để vào trang quản lý. Đường dẫn chỉ dùng được một lần."
LOGIN_BUTTON = "Vào trang quản lý"
LINK_INVALID = (
    "Đường dẫn này đã được dùng hoặc đã hết hạn. Hãy nhắn /web cho bot trong chat để nhận đường dẫn mới."
)
LINK_REFUSED = (
    "Trang quản lý chỉ dành cho tổ trưởng, cán bộ và quản trị viên. Nếu bạn vừa được đổi vai trò, "
    "hãy hỏi tổ trưởng hoặc cán bộ phụ trách."
)
SIGNED_OUT = "Bạn đã đăng xuất. Nhắn /web cho bot trong chat khi muốn vào lại."
NEED_LOGIN_TITLE = "Cần đăng nhập"
NEED_LOGIN = (
    "Phiên làm việc đã hết hạn hoặc chưa đăng nhập. Hãy nhắn /web cho bot trong chat để nhận đường dẫn."
)
FORBIDDEN_TITLE = "Không có quyền"
FORBIDDEN = "Trang này dành cho {role} trở lên."
CSRF_TITLE = "Biểu mẫu đã cũ"
CSRF = "Biểu mẫu đã cũ hoặc không hợp lệ. Hãy tải lại trang rồi làm lại."
NOT_FOUND_TITLE = "Không tìm thấy"
NOT_FOUND = "Không tìm thấy mục này, hoặc nó nằm ngoài địa bàn của bạn."
BACK_HOME = "Về trang tổng quan"

# menu
MENU = {
    "/web/": "Tổng quan",
    "/web/faq": "Hỏi đáp",
    "/web/campaigns": "Chiến dịch",
    "/web/broadcasts": "Thông báo",
    "/web/members": "Thành viên",
    "/web/reports": "Báo cáo",
    "/web/audit": "Nhật ký",
    "/web/areas": "Khu vực",
}
