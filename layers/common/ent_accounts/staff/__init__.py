"""School staff: their own accounts (not students' nor parents'), a mandatory TOTP second factor, roles per school.

The interface the school pages build on (issue 19):
- `members.py`: `StaffMember` (id, professional e-mail, names, status, roles `{UAI: Role}`), `Role`, `Action`,
  and `authorize(member, uai, action)`, the one check every staff request passes before it reads or changes a
  school's data. It raises `NoSuchSchool` (404, the same body as an unknown account: a member never learns what
  another school holds) when the member has no role at that school, and `RoleTooLow` (403) when the role does not
  allow the action. `actor(member)` is the audit trail's `by` for whatever the member does to a student's account
  ("staff:<id>", where the IAM routes write the caller's ARN).
- `totp.py`: RFC 6238 (SHA-1, 6 digits, 30 s, ±1 step) on the project's clock, with the step of an accepted code
  returned so that the store refuses its replay.
- `recovery.py`: the single-use recovery codes, shown once, stored as SHA-256 hashes.
The use cases are flows/staff.py (invitation, enrolment, sign-in, sessions), the items store/staff.py, the pages
web/routes/school_console.py (/etablissement/…).
"""
