ALTER TABLE `mailboxes` ADD `user_no` integer;--> statement-breakpoint
ALTER TABLE `mailboxes` ADD `search_skew` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Existing mailboxes are numbered in the order they were made (search/doc-ids.ts).
UPDATE `mailboxes` SET `user_no` = `numbered`.`n`
  FROM (SELECT `user_id`, row_number() OVER (ORDER BY `created_at`, `user_id`) AS `n` FROM `mailboxes`) AS `numbered`
  WHERE `mailboxes`.`user_id` = `numbered`.`user_id`;--> statement-breakpoint
CREATE UNIQUE INDEX `mailboxes_by_user_no` ON `mailboxes` (`user_no`);--> statement-breakpoint
ALTER TABLE `messages` ADD `doc_id` integer;--> statement-breakpoint
-- Doc ids of existing messages, oldest first per user: d(i) = max(second(i), d(i-1) + 1), the first
-- free second at or after its own. That recurrence is i + the running max of (second(j) - j), which a
-- window function computes in one pass.
UPDATE `messages` SET `doc_id` = `d`.`doc_id`
  FROM (
    SELECT `s`.`user_id`, `s`.`message_id`,
      `b`.`user_no` * 8589934592 + `s`.`n` + max(`s`.`second` - `s`.`n`) OVER (PARTITION BY `s`.`user_id` ORDER BY `s`.`n` ROWS UNBOUNDED PRECEDING) AS `doc_id`
    FROM (
      SELECT `user_id`, `message_id`, min(max(`received_at` / 1000, 0), 8589934591) AS `second`,
        row_number() OVER (PARTITION BY `user_id` ORDER BY `received_at`, `message_id`) - 1 AS `n`
      FROM `messages`
    ) AS `s`
    JOIN `mailboxes` AS `b` ON `b`.`user_id` = `s`.`user_id`
  ) AS `d`
  WHERE `messages`.`user_id` = `d`.`user_id` AND `messages`.`message_id` = `d`.`message_id`;--> statement-breakpoint
UPDATE `mailboxes` SET `search_skew` = coalesce((
  SELECT max(`m`.`doc_id` - `mailboxes`.`user_no` * 8589934592 - min(max(`m`.`received_at` / 1000, 0), 8589934591))
  FROM `messages` AS `m` WHERE `m`.`user_id` = `mailboxes`.`user_id`), 0);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_by_doc` ON `messages` (`doc_id`);--> statement-breakpoint
-- The full-text index (search/): contentless (the text is in message_bodies and the blobs already;
-- the index keeps only its terms), with deletes by rowid, rowid = messages.doc_id. Text is written
-- pre-tokenized for unspaced scripts (search/search-text.ts); mail filed before this migration is
-- indexed by `npm run cli -- search reindex`.
CREATE VIRTUAL TABLE `search_index` USING fts5(
  `subject`, `sender`, `recipients`, `cc`, `filenames`, `body`, `attachments`,
  content='', contentless_delete=1,
  tokenize="unicode61 remove_diacritics 2 categories 'L* N* Co M*'"
);
