-- harness:run-as admin
-- V030 (dw): the btree_gist extension, for the exclusion constraints of V032 (no two versions
-- of one natural key valid on the same day). Creating an extension needs the administrator
-- here (the embedded server's dw_owner is not a superuser), hence run-as admin.

CREATE EXTENSION IF NOT EXISTS btree_gist;
