"""What /web says."""

SUMMARY = "mở trang quản lý trên máy tính"
LINK = (
    "Đây là đường dẫn vào trang quản lý, dùng được một lần trong {minutes} phút:\n{url}\n\n"
    "Mở trên máy tính hoặc điện thoại của bạn; đừng chuyển cho người khác."
)
PRIVATE_ONLY = "Để giữ an toàn, hãy nhắn /web riêng cho bot (không gửi trong nhóm)."
NOT_SERVED = (
    "Bot hiện chưa mở trang quản lý trên web. Xin báo quản trị viên bật máy chủ web (cdsbot run --role web)."
)
LEADERS_ONLY = (
    "Trang quản lý dành cho tổ trưởng, cán bộ và quản trị viên. Bạn vẫn dùng được các lệnh trong /trogiup."
)
