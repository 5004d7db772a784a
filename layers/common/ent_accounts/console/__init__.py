"""What the school staff's pages (/etablissement/…) show, as plain view models built by pure functions.

Each page has a view function here and a template in templates/pages/etablissement/: the route (wired once staff
sign-in exists) checks the staff member's role for the school, calls the function with the school's accounts (or the
services) and the clock, and renders the template with the view model. Nothing here knows HTTP, sessions or roles'
storage: the caller passes the actions the viewer may take (`allowed`), the paths pages link to, and the time.

- `dashboard.py`: accounts by status and class, deadlines in the coming weeks, provisional passwords expiring.
- `listing.py`: the list, searched (accents and case aside), filtered, sorted by class then name, paged.
- `account_page.py`: one account (status, deadline, masked address, family, audit trail, actions allowed).
- `uploads.py`: an uploaded school file read as the command line reads it, previewed; the import's result.
- `chase.py`: accounts to chase (pending near their deadline, letters never used) and the reminder letters.
- `reissue.py`: letters printed again (new provisional passwords) by class, for accounts never signed in.
- `paths.py`: the paths these pages link to, under /etablissement/<uai>/.
- `labels.py`: statuses, roles and audit events in French; names folded for search; addresses masked.
"""
