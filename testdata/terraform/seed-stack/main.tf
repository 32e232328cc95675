# The seed stack (../../templates/seed-stack.template.json) written for Terraform's AWS
# provider: the TrailLog log group, a metric filter counting failed console sign-ins, an
# alarm at 3 in one 5-minute period, and its SNS topic.

variable "threshold" {
  description = "Failed sign-ins in one period that raise the alarm"
  type        = number
  default     = 3
}

variable "log_group_name" {
  type    = string
  default = "TrailLog"
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  namespace = "CloudTrailMetrics"
  metric    = "ConsoleSigninFailureCount"
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = var.log_group_name
  retention_in_days = 90
}

resource "aws_sns_topic" "trail" {
  name = "TrailTopic5D1AB6D4"
}

resource "aws_cloudwatch_log_metric_filter" "sign_in_fail" {
  name           = "SignInFailMetricFilter2E4B3F1A"
  log_group_name = aws_cloudwatch_log_group.trail.name
  pattern        = trimspace(<<-EOT
    { ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }
  EOT
  )

  metric_transformation {
    name      = local.metric
    namespace = local.namespace
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "console_sign_in_failures" {
  alarm_name          = "ConsoleSignInFailures"
  alarm_description   = "Failed console sign-ins in ${data.aws_region.current.name} for ${data.aws_caller_identity.current.account_id}"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = aws_cloudwatch_log_metric_filter.sign_in_fail.metric_transformation[0].name
  namespace           = local.namespace
  period              = 300
  statistic           = "Sum"
  threshold           = var.threshold
  alarm_actions       = [aws_sns_topic.trail.arn]
}
