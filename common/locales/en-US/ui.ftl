# The web interface (node/src/ui and node/templates).

ui-title = National continuing-education bases: recommendations
ui-skip = Skip to the content
ui-home = Home
ui-decisions = Nationwide recommendations
ui-sign-out = Sign out
ui-signed-in-as = { $name } ({ $role })
ui-role-editor = editor
ui-role-approver = approver
ui-role-reviewer = reviewer
ui-role-administrator = administrator
ui-language = 中文
ui-offline = This node cannot write yet: it is waiting for a peer to confirm its records, or writing is closed. You can look, but changes cannot be saved for now.

ui-batch = Batch { $number }: { $title }
ui-no-batch = This node has no batch definition yet; import the ministry's roster bundle.
ui-deadline = Deadline: { $deadline }
ui-left = { $days } days { $hours } hours left
ui-closed = Closed
ui-quota = Each recommender may recommend { $quota } candidate(s); the subsidy is at most { $cap } yuan
ui-quota-holder = Holding the quota: { $holder }
ui-quota-free = Nobody holds the quota yet
ui-records = This office's applications
ui-no-records = No applications yet.
ui-new = New application
ui-col-institution = Institution
ui-col-code = Credit code
ui-col-status = Status
ui-col-verdict = Ministry's verdict
ui-col-reason = Reason
ui-col-updated = Last change
ui-col-recommender = Recommender
ui-open = Open
ui-sync = Sync
ui-sync-peers = Connected peers: { $count }
ui-sync-peer = { $peer }: last round { $round }, { $pending } entries waiting
ui-sync-never = none yet
ui-sync-none = No peer is connected.

ui-editor-new = New application form
ui-editor = Application: { $institution }
ui-save = Save
ui-saved = Saved.
ui-not-saved = Not saved: correct the boxes marked below, then save again.
ui-count = { $count } / { $limit } characters
ui-choose = Choose
ui-yes = Yes
ui-no = No
ui-subsidy = { $asked } yuan asked, at most { $cap } yuan
ui-areas-hint = Choose one or more of the batch's key areas
ui-frozen = This application is submitted and cannot be changed; withdraw it first to change it.
ui-editor-only = You are an editor: you can fill in and save; an approver submits and withdraws.
ui-history = History
ui-print = Printable page
ui-attachments = Attachments
ui-no-attachments = No attachments.

ui-submit = Submit
ui-withdraw = Withdraw
ui-confirm-submit = Submit now
ui-confirm-withdraw = Withdraw now
ui-cancel = Go back without doing it
ui-submit-means = Submitting signs this application with this node's key and sends it to the ministry; it takes this recommender's quota for batch { $number } ({ $quota } per recommender, in the order the ministry receives them). The same institution may not apply through two recommenders. A submission the ministry receives after { $deadline } is late. A submitted application cannot be changed: withdraw it first.
ui-withdraw-means = Withdrawing gives the quota back; the ministry marks the application withdrawn. Before the deadline ({ $deadline }) you may change it and submit again, or submit another candidate. A withdrawal received after the deadline does not count.
ui-done-submit = Submitted.
ui-done-withdraw = Withdrawn.
ui-refused = Not done: { $reason }

ui-history-title = History: { $institution }
ui-col-when = When
ui-col-who = Who
ui-col-node = Node
ui-col-boxes = Boxes changed
ui-nobody = (not named)

ui-not-allowed = Your role ({ $role }) may not do this.
ui-not-found = No such record.
ui-signed-out = Signed out. To sign in again, run fedrec ui on this node's machine and open the link it prints.
ui-link-refused = This login link is unknown, used already or expired. Run fedrec ui again on this node's machine.

ui-decisions-title = Nationwide recommendations
ui-counts = Count per verdict
ui-filter = Filter
ui-filter-verdict = Verdict
ui-filter-search = Institution or credit code
ui-all = All
ui-col-review = Review

## The ministry: review and recognition

ui-review-heading = Expert review
ui-review-expert = Expert
ui-review-score = Score (0–100)
ui-review-opinion = Opinion
ui-review-submit = Record the review
ui-recognise-heading = Recognise as a national continuing-education base
ui-recognise-means = Recognised, the institution joins this batch's list of bases with the subsidy given here; the batch's cap is { $cap } yuan. Until the list is published, the recognition stays on the ministry's node.
ui-recognise-subsidy = Subsidy (yuan)
ui-recognise-submit = Recognise
ui-decline-heading = Decline
ui-decline-reason = Reason
ui-decline-submit = Decline
ui-back-to-decisions = Back to the nationwide table
ui-done-review = The review is recorded.
ui-done-recognise = Recognised.
ui-done-decline = Declined.
ui-not-a-number = “{ $box }” must be a whole number.
ui-sync-seconds-ago = { $seconds } s ago
