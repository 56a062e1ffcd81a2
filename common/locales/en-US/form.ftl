# The application form: names outside the box table (the boxes' Chinese labels are in FIELDS,
# common/src/form.rs; their English labels are here) and the validation problems.

field-batch = Batch
field-attachments = Attachments
field-filled_on = Date filled
field-applicant-name = Full name of the institution
field-applicant-credit_code = Unified social credit code
field-applicant-nature = Nature of the institution
field-applicant-address = Postal address
field-applicant-contact = Contact person
field-applicant-phone = Phone
field-applicant-existing_base = Name of the regional or industry base
field-applicant-overview = Overview (training and distance-learning facilities)
field-applicant-faculty = Teaching staff
field-applicant-key_area_training = Training of professionals in the key areas
field-applicant-management = Management rules
field-plan-safeguards = Organisational safeguards
field-plan-targets = Performance targets and plan for the earmarked funds
field-plan-requested_subsidy_yuan = Central subsidy requested (yuan)
field-plan-areas = Main training areas
field-plan-strengths = Main training areas and strengths
field-recommender-runs_regional_base = Does the recommender run regional or industry bases?
field-recommender-relationship = Relationship with the applicant
field-recommender-reasons = Reasons for the recommendation
field-recommender-contact = Recommender's contact person
field-recommender-phone = Recommender's phone

## Natures of institution and kinds of attachment

nature-university = university
nature-research_institute = research institute
nature-training_institution = training institution
nature-association = professional association
nature-enterprise = enterprise training institution
attachment-recommendation_letter = recommendation letter
attachment-proof = proof
attachment-extra = extra sheet

## Validation problems

problem-batch-mismatch = the application is for batch { $app_batch } but is checked against batch { $batch }
problem-no-batch = this node holds no definition of batch { $batch }; import the ministry's roster bundle or add a batch file
problem-ministry-no-batch = the ministry holds no definition of batch { $batch }
problem-no-such-box = the form has no such box
problem-wrong-kind = expects { $kind ->
        [yesno] yes or no
        [yuan] a whole number of yuan
        [areas] a list of key areas
       *[text] text
    }, not { $value }
problem-not-yes-no = expects yes or no, not '{ $value }'
problem-not-yuan = expects a whole number of yuan, not '{ $value }'
problem-bad-date = '{ $value }' is not a date like 2016-03-01
problem-credit-code-length = must be 18 characters, found { $found }
problem-credit-code-character = character { $position } ('{ $found }') is not allowed: use 0-9 and A-H J-N P Q R T U W X Y
problem-credit-code-check = check character is '{ $found }' but the first 17 characters require '{ $expected }'
problem-credit-code-organisation = embedded organisation code (characters 9-17) has check character '{ $found }' but its body requires '{ $expected }'
problem-bad-nature = '{ $value }' is not one of { $known }
problem-phone-character = '{ $char }' does not belong in a phone number
problem-phone-digits = '{ $value }' has { $digits } digits; a phone number has at least 7
problem-subsidy-over-cap = { $requested } yuan is above batch { $batch }'s cap of { $cap } yuan
problem-area-unknown = '{ $area }' is not among batch { $batch }'s key areas: { $areas }
problem-area-twice = '{ $area }' is listed twice
problem-too-many-attachments = { $count } attachments listed; at most { $limit }
problem-attachment-kind = '{ $value }' is not one of { $known }
problem-file-empty = names no file
problem-file-absolute = '{ $file }' must be a relative path
problem-file-climbs = '{ $file }' must not climb out of its folder with '..'
problem-file-name-long = file name longer than 255 characters
problem-blake3 = '{ $value }' is not 64 lower-case hex digits
problem-proof-required = names an existing regional or industry base, so a `proof` attachment (证明材料) is required
problem-empty = required box is empty
problem-empty-yes-no = required box is empty: answer true or false
problem-empty-areas = required box is empty: name at least one of { $areas }
problem-too-long = { $length } characters; this box holds at most { $limit } (put the rest in an `extra` attachment)
problem-single-line = must be a single line
