"""The world behind the AWS API: `driftworld aws serve` (docs/aws-api.md)."""
