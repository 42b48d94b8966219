"""What people read from the Zalo OA channel itself (the features' texts live in their packages)."""

from __future__ import annotations

from typing import Final

from handlers.core import texts

REFRESH_REFUSED: Final = (
    "Zalo không cho làm mới quyền truy cập của OA “{name}”, nên bot tạm ngừng trả lời "
    "và gửi tin trên OA này.\n"
    "Quản trị viên OA cần cấp quyền lại: chạy lệnh `cdsbot zalo-oa connect` và mở liên kết in ra."
)
QUOTA_PAUSED: Final = (
    "OA “{name}” đã hết hạn mức tin nhắn của Zalo. Các thông báo còn lại trên OA này tạm dừng tới "
    "{until}, rồi tự gửi tiếp. Muốn gửi sớm hơn, anh/chị cần mua thêm hạn mức trên trang quản lý OA."
)
FOLLOW_OFFER: Final = (
    "Cảm ơn bạn đã quan tâm OA. Bạn có muốn nhận thông báo của xã/phường qua OA này không? "
    "Bấm nút dưới đây hoặc gõ dangkytin (gõ huytin để thôi nhận)."
)
FOLLOW_OFFER_BUTTON: Final = "Nhận thông báo"
NO_FILES: Final = texts.FILES_NOTE  # the one wording of a file a chat cannot receive (handlers/core)

# The consent callback, in a browser
CALLBACK_TITLE: Final = "Kết nối Zalo OA"
CALLBACK_DONE: Final = "Đã kết nối OA “{name}” với bot. Anh/chị có thể đóng trang này."
CALLBACK_UNKNOWN: Final = (
    "Liên kết cấp quyền này đã dùng rồi hoặc đã hết hạn. Anh/chị chạy lại `cdsbot zalo-oa connect` "
    "và mở liên kết mới."
)
CALLBACK_REFUSED: Final = (
    "Zalo không chấp nhận mã cấp quyền. Anh/chị chạy lại `cdsbot zalo-oa connect` và thử lại."
)

# The command line
CLI_NOT_CONFIGURED: Final = (
    "Chưa cấu hình ứng dụng Zalo: đặt CDSBOT_ZALO_OA_APP_ID, CDSBOT_ZALO_OA_APP_SECRET và "
    "CDSBOT_ZALO_OA_SECRET_KEY rồi chạy lại."
)
CLI_NO_AREA: Final = (
    "Không có địa bàn mã {code}. Xem danh sách bằng /khuvuc hoặc nạp bằng `cdsbot areas import`."
)
CLI_ADDED: Final = "Đã lưu OA {oa_id} ({name}){area}. Mã truy cập dùng tới {expires}."
CLI_ADD_REFUSED: Final = (
    "Zalo không chấp nhận refresh token này ({error}).\n"
    "Lấy token mới trong trang quản lý ứng dụng rồi thử lại."
)
CLI_NEEDS_URL: Final = (
    "Cần địa chỉ công khai của bot để Zalo gọi lại.\n"
    "Đặt CDSBOT_WEBHOOK_BASE_URL (ví dụ https://bot.xa.gov.vn) rồi chạy lại."
)
CLI_CONNECT: Final = (
    "Gửi liên kết sau cho quản trị viên OA, mở bằng tài khoản Zalo quản trị OA và bấm Cho phép "
    "(dùng được trong 1 giờ):\n{url}\n"
    "Địa chỉ gọi lại phải khai trong trang quản lý ứng dụng Zalo: {callback}"
)
CLI_NONE: Final = "Chưa có OA nào. Thêm bằng `cdsbot zalo-oa add` hoặc `cdsbot zalo-oa connect`."
CLI_ROW: Final = "{oa_id}  {name}  địa bàn: {area}  mã truy cập tới: {expires}  tin cuối: {last}{notes}"
CLI_NEVER: Final = "chưa có"
CLI_NO_AREA_SET: Final = "chưa gắn"
CLI_REFRESH_FAILED: Final = "  [cần cấp quyền lại]"
CLI_PAUSED: Final = "  [tạm dừng tới {until}]"
CLI_UNKNOWN_OA: Final = "Chưa có OA {oa_id}. Thêm bằng `cdsbot zalo-oa add` hoặc `cdsbot zalo-oa connect`."
CLI_FOLLOWERS_NO_AREA: Final = (
    "OA {oa_id} chưa gắn với xã nào. Chạy lại `cdsbot zalo-oa add` hoặc `connect` với --area MÃ_XÃ."
)
CLI_FOLLOWERS_DONE: Final = "Đã đọc {seen} người theo dõi; {added} người mới nhận thông báo của xã."
CLI_FOLLOWERS_STOPPED: Final = (
    "Dừng sau {seen} người theo dõi vì Zalo báo lỗi: {error}.\n"
    "Những người đã đọc được lưu; chạy lại để tiếp tục."
)
