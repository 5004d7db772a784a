"""`sam local` on the real template: a Lambda base image where AWS's cannot be pulled, the local AWS the containers
reach (DynamoDB Local, SES and SQS from moto), and a run command that never lets a function reach real AWS."""
