CREATE TABLE `contacts` (
	`user_id` text NOT NULL,
	`address` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`name_key` text DEFAULT '' NOT NULL,
	`times_mailed` integer DEFAULT 0 NOT NULL,
	`last_mailed_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `address`)
);
--> statement-breakpoint
-- The recipients of mail already in Sent folders, counted as filing counts new mail (store/contacts.ts):
-- once per message, the latest name given, the user's own address left out. Bcc recipients of older
-- mail are only in its raw bytes and are not counted; names are lowercased here without the accent
-- folding contacts.ts applies, so such a backfilled name is found by its accented prefix only.
WITH `recipients` AS (
  SELECT `m`.`user_id`, `m`.`message_id`, `m`.`received_at`,
    lower(trim(json_extract(`j`.`value`, '$.address'))) AS `address`, trim(coalesce(json_extract(`j`.`value`, '$.name'), '')) AS `name`
  FROM `messages` AS `m`
  JOIN `folders` AS `f` ON `f`.`user_id` = `m`.`user_id` AND `f`.`folder_id` = `m`.`folder_id` AND `f`.`role` = 'sent',
    json_each(CASE WHEN json_valid(`m`.`to_json`) THEN `m`.`to_json` ELSE '[]' END) AS `j`
  UNION ALL
  SELECT `m`.`user_id`, `m`.`message_id`, `m`.`received_at`,
    lower(trim(json_extract(`j`.`value`, '$.address'))), trim(coalesce(json_extract(`j`.`value`, '$.name'), ''))
  FROM `messages` AS `m`
  JOIN `folders` AS `f` ON `f`.`user_id` = `m`.`user_id` AND `f`.`folder_id` = `m`.`folder_id` AND `f`.`role` = 'sent',
    json_each(CASE WHEN json_valid(`m`.`cc_json`) THEN `m`.`cc_json` ELSE '[]' END) AS `j`
)
INSERT INTO `contacts` (`user_id`, `address`, `name`, `name_key`, `times_mailed`, `last_mailed_at`)
SELECT `c`.`user_id`, `c`.`address`, coalesce(`n`.`name`, ''),
  trim(lower(replace(replace(replace(replace(replace(coalesce(`n`.`name`, ''), '''', ''), '"', ' '), ',', ' '), '.', ' '), '-', ' '))),
  `c`.`times`, `c`.`last`
FROM (SELECT `user_id`, `address`, count(DISTINCT `message_id`) AS `times`, max(`received_at`) AS `last` FROM `recipients` GROUP BY `user_id`, `address`) AS `c`
-- SQLite takes a bare column of an aggregate max() from the row holding the maximum: the latest name.
LEFT JOIN (SELECT `user_id`, `address`, `name`, max(`received_at`) FROM `recipients` WHERE `name` <> '' GROUP BY `user_id`, `address`) AS `n`
  ON `n`.`user_id` = `c`.`user_id` AND `n`.`address` = `c`.`address`
JOIN `mailboxes` AS `b` ON `b`.`user_id` = `c`.`user_id`
WHERE `c`.`address` LIKE '_%@_%' AND `c`.`address` <> `b`.`address`;
