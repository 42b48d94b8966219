"""Numbers on guidance sessions: /thongke in the chat, /baocao as an XLSX workbook and a PNG chart (with
what officers add on citizens' questions), built from one set of report data that `cdsbot report visits`
uses too."""
