"""lecture check-in codes, attendance minutes, certificates and private calendar feeds

Revision ID: c7d2e5a91f30
Revises: b41e6a0c9d27
Create Date: 2026-12-02 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e5a91f30'
down_revision = 'b41e6a0c9d27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
        sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id')),
    )
    with op.batch_alter_table('lectures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_code', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attendance_minimum_minutes', sa.Integer(), nullable=True))
    with op.batch_alter_table('lecture_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attended_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attendance_source', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('checkin_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('certificate_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('certificate_name', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('certificate_issued_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_lecture_registrations_certificate_code', ['certificate_code'])


def downgrade():
    with op.batch_alter_table('lecture_registrations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_lecture_registrations_certificate_code', type_='unique')
        batch_op.drop_column('certificate_issued_at')
        batch_op.drop_column('certificate_name')
        batch_op.drop_column('certificate_code')
        batch_op.drop_column('checkin_failures')
        batch_op.drop_column('attendance_source')
        batch_op.drop_column('attended_minutes')
    with op.batch_alter_table('lectures', schema=None) as batch_op:
        batch_op.drop_column('attendance_minimum_minutes')
        batch_op.drop_column('checkin_code')
    op.drop_table('calendar_feeds')
