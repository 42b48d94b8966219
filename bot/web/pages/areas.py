"""Khu vực (admins): the area tree, and its import from XLSX/CSV with a preview, by `cdsbot areas
import`'s own code (`handlers.members.area_import`: the same columns, checks and writing order)."""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from bot.web import html as h
from bot.web.console import Console, WebCtx, done
from handlers.core.roles import Role
from handlers.core.tables import TableError, read_table
from handlers.members.area_import import Plan, plan
from handlers.members.area_import import rows as area_rows
from handlers.members.scope import LEVEL_LABELS

TITLE = "Khu vực"
MAX_UPLOAD = 1024 * 1024


async def areas_page(w: WebCtx, problems: list[str] | None = None) -> web.StreamResponse:
    areas = await w.store.areas.all()
    rows = [
        [
            "\u2003" * a.path.strip("/").count("/") + a.name,
            a.code,
            LEVEL_LABELS.get(a.level, a.level),
            "" if a.active else "ngừng dùng",
        ]
        for a in sorted(areas, key=lambda a: a.path)
    ]
    upload = h.join(
        [
            h.tag("p", "Cột: mã, tên, cấp (tỉnh/xã/thôn), mã cấp trên. Xem trước rồi mới nạp."),
            h.Markup('<input type="file" name="file" accept=".xlsx,.csv" required>'),
            " ",
            h.button("Xem trước"),
        ]
    )
    body = h.join(
        [
            w.notice(),
            *(h.notice(p, "bad") for p in problems or []),
            h.tag("h2", "Nạp từ tệp"),
            h.form("/web/areas/preview", w.csrf, upload, upload=True),
            h.tag("h2", f"Cây địa bàn ({len(areas)})"),
            h.table(["Tên", "Mã", "Cấp", ""], rows),
        ]
    )
    return w.render(TITLE, body, status=400 if problems else 200)


async def _planned(w: WebCtx) -> tuple[Plan, list[str], str, bytes]:
    upload = w.upload("file")
    if upload is not None:
        name, data = upload.filename, upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise TableError(f"{name}: tệp quá lớn (tối đa 1 MB)")
    else:
        try:
            name, data = w.field("filename"), base64.b64decode(w.field("content"), validate=True)
        except (ValueError, binascii.Error):
            raise TableError("Tệp không đọc được, hãy tải lên lại.") from None
    result, errors = plan(area_rows(read_table(data, name), name), await w.store.areas.all())
    return result, [f"{name}: {e}" for e in errors], name, data


def _summary(result: Plan) -> str:
    return (
        f"{len(result.added)} thêm, {len(result.renamed)} sửa, {len(result.moved)} chuyển, "
        f"{result.unchanged} giữ nguyên"
    )


async def preview(w: WebCtx) -> web.StreamResponse:
    try:
        result, errors, name, data = await _planned(w)
    except TableError as error:
        return await areas_page(w, [str(error)])
    if errors:
        return await areas_page(w, errors)
    if result.empty:
        raise done("/web/areas", f"Không có gì thay đổi ({_summary(result)}).")
    carried = h.join(
        [h.hidden("filename", name), h.hidden("content", base64.b64encode(data).decode()), h.button("Nạp")]
    )
    changes = (*result.added, *result.renamed, *result.moved)
    body = h.join(
        [
            h.tag("p", f"Xem trước: {_summary(result)}. Chưa ghi gì."),
            h.tag("ul", h.join(h.tag("li", line) for line in changes)),
            h.form("/web/areas/import", w.csrf, carried),
            h.link("/web/areas", "Làm lại"),
        ]
    )
    return w.render("Xem trước khu vực", body)


async def do_import(w: WebCtx) -> web.StreamResponse:
    """Checked again in full; the whole file in this one transaction, parents first."""
    try:
        result, errors, name, _data = await _planned(w)
    except TableError as error:
        return await areas_page(w, [str(error)])
    if errors:
        return await areas_page(w, errors)
    for row, level in result.rows:
        await w.store.area_tree.put(row.code, row.name, level, row.parent or None)
    await w.store.audit.record(
        actor_user_id=w.ctx.user.id,
        actor_role=w.role.key,
        action="area.import",
        target=name[:100],
        details={"added": len(result.added), "renamed": len(result.renamed), "moved": len(result.moved)},
    )
    raise done("/web/areas", f"Đã nạp: {_summary(result)}.")


def register(console: Console) -> None:
    a = Role.ADMIN
    console.get("/web/areas", areas_page, a)
    console.post("/web/areas/preview", preview, a)
    console.post("/web/areas/import", do_import, a)
