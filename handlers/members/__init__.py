"""People and places: invite codes that make someone a member, leader or officer of an area (/moi,
/dangky), the administrative tree and its rules (/khuvuc, shared with `cdsbot areas import`), picking an
area in a form, and `scope` — who may act where, which every feature asks again at the moment of acting."""
