# An EventBridge rule beside the alarm: each failed console sign-in to the same topic, with
# the message an input transformer writes.

resource "aws_cloudwatch_event_rule" "failed_sign_in" {
  name = "failed-console-sign-in"
  event_pattern = jsonencode({
    source        = ["aws.signin"]
    "detail-type" = ["AWS Console Sign In via CloudTrail"]
    detail = {
      responseElements = { ConsoleLogin = ["Failure"] }
    }
  })
}

resource "aws_cloudwatch_event_target" "failed_sign_in_topic" {
  rule      = aws_cloudwatch_event_rule.failed_sign_in.name
  target_id = "Target0"
  arn       = aws_sns_topic.trail.arn

  input_transformer {
    input_paths = {
      user = "$.detail.userIdentity.userName"
      time = "$.time"
    }
    input_template = "\"Failed console sign-in by <user> at <time>\""
  }
}
