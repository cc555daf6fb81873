"""The shop (OLTP) database: reference data, a deterministic generator (`seed`), daily
increments with messy rows (`advance`), and the Olist CSV import (`olist`)."""
