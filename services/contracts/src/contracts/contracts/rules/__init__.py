"""Pure rules of a contract: term arithmetic, stages and statuses, the state on a day, the
checks across key elements. No I/O: nothing here reaches the database, the web or the clock."""
