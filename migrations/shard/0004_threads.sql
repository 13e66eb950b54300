CREATE TABLE `thread_keys` (
	`user_id` text NOT NULL,
	`key` text NOT NULL,
	`thread_id` text NOT NULL,
	PRIMARY KEY(`user_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `thread_keys_by_thread` ON `thread_keys` (`user_id`,`thread_id`);--> statement-breakpoint
-- SQLite adds a NOT NULL column only with a default; '' is never kept: every message made before
-- threading becomes a thread of its own (thread id = message id) right below, and filing always
-- sets thread_id.
ALTER TABLE `messages` ADD `thread_id` text NOT NULL DEFAULT '';--> statement-breakpoint
UPDATE `messages` SET `thread_id` = `message_id`;--> statement-breakpoint
ALTER TABLE `messages` ADD `subject_key` text;--> statement-breakpoint
CREATE INDEX `messages_by_thread` ON `messages` (`user_id`,`thread_id`,`folder_id`,received_at DESC,message_id DESC);--> statement-breakpoint
CREATE INDEX `messages_by_subject` ON `messages` (`user_id`,`subject_key`,`received_at`) WHERE subject_key IS NOT NULL;--> statement-breakpoint
-- The Message-IDs of older messages, then the ids they answer, as keys (the form thread-keys.ts makes:
-- no brackets, ASCII lowercased, at most 250 characters; only plain `<id>` values, which are nearly
-- all), so that new replies to older mail join its thread. A message's own id goes first: a key that
-- is both an id and an answered id belongs to the message that has it.
INSERT OR IGNORE INTO `thread_keys` (`user_id`, `key`, `thread_id`)
  SELECT `user_id`, substr(lower(trim(`message_id_header`, '<> ')), 1, 250), `message_id` FROM `messages`
  WHERE `message_id_header` LIKE '<%>' AND instr(substr(`message_id_header`, 2), '<') = 0 AND instr(`message_id_header`, ' ') = 0
  ORDER BY `received_at`;--> statement-breakpoint
INSERT OR IGNORE INTO `thread_keys` (`user_id`, `key`, `thread_id`)
  SELECT `user_id`, substr(lower(trim(`in_reply_to`, '<> ')), 1, 250), `message_id` FROM `messages`
  WHERE `in_reply_to` LIKE '<%>' AND instr(substr(`in_reply_to`, 2), '<') = 0 AND instr(`in_reply_to`, ' ') = 0
  ORDER BY `received_at`;