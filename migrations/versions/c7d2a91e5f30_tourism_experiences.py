"""tourism: products of kind experience, their facts, texts, options, unit prices and departures

Revision ID: c7d2a91e5f30
Revises: c5d2a8e1f047
Create Date: 2026-12-02 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2a91e5f30'
down_revision = 'c5d2a8e1f047'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('goods', 'experience', name='productkind', native_enum=False,
                                                      length=24), server_default='goods', nullable=False))
    op.create_table(
        'experiences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('meeting_lat', sa.Float(), nullable=True),
        sa.Column('meeting_lon', sa.Float(), nullable=True),
        sa.Column('guide_languages', sa.String(length=80), nullable=False),
        sa.Column('minimum_age', sa.Integer(), nullable=False),
        sa.Column('refundable', sa.Boolean(), nullable=False),
        sa.Column('free_cancel_hours', sa.Integer(), nullable=False),
        sa.Column('late_refund_percent', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('duration_minutes > 0', name='duration_positive'),
        sa.CheckConstraint('minimum_age >= 0', name='minimum_age_not_negative'),
        sa.CheckConstraint('late_refund_percent >= 0 AND late_refund_percent <= 100', name='refund_percent_range'),
        sa.CheckConstraint('free_cancel_hours >= 0', name='free_cancel_hours_not_negative'),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('product_id'),
    )
    op.create_table(
        'experience_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('experience_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('itinerary', sa.Text(), nullable=False),
        sa.Column('included', sa.Text(), nullable=False),
        sa.Column('excluded', sa.Text(), nullable=False),
        sa.Column('meeting_point', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['experience_id'], ['experiences.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('experience_id', 'language'),
    )
    op.create_table(
        'experience_options',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('experience_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['experience_id'], ['experiences.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('experience_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experience_options_experience_id'), ['experience_id'], unique=False)
    op.create_table(
        'experience_option_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['option_id'], ['experience_options.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('option_id', 'language'),
    )
    op.create_table(
        'experience_unit_types',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('adult', 'child', 'infant', 'senior', 'student', 'resident', name='unitkind',
                                  native_enum=False, length=24), nullable=False),
        sa.Column('price_amount', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('min_per_booking', sa.Integer(), nullable=False),
        sa.Column('max_per_booking', sa.Integer(), nullable=False),
        sa.Column('requires_adult', sa.Boolean(), nullable=False),
        sa.CheckConstraint('price_amount >= 0', name='unit_price_not_negative'),
        sa.CheckConstraint('min_per_booking >= 0 AND max_per_booking >= min_per_booking', name='unit_bounds'),
        sa.ForeignKeyConstraint(['option_id'], ['experience_options.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('option_id', 'kind'),
    )
    op.create_table(
        'experience_departures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('experience_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('local_time', sa.Time(), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('seats_sold', sa.Integer(), nullable=False),
        sa.Column('seats_held', sa.Integer(), nullable=False),
        sa.Column('cutoff_hours', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('scheduled', 'cancelled', name='departurestatus', native_enum=False, length=24),
                  nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('capacity > 0', name='capacity_positive'),
        sa.CheckConstraint('seats_sold >= 0 AND seats_held >= 0', name='seats_not_negative'),
        sa.CheckConstraint('seats_sold + seats_held <= capacity', name='seats_within_capacity'),
        sa.CheckConstraint('cutoff_hours >= 0', name='cutoff_not_negative'),
        sa.ForeignKeyConstraint(['experience_id'], ['experiences.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['option_id'], ['experience_options.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('option_id', 'starts_at', name='uq_departure_option_start'),
    )
    with op.batch_alter_table('experience_departures', schema=None) as batch_op:
        batch_op.create_index('ix_departures_calendar', ['experience_id', 'local_date'], unique=False)
        batch_op.create_index('ix_departures_upcoming', ['starts_at'], unique=False)


def downgrade():
    with op.batch_alter_table('experience_departures', schema=None) as batch_op:
        batch_op.drop_index('ix_departures_upcoming')
        batch_op.drop_index('ix_departures_calendar')
    op.drop_table('experience_departures')
    op.drop_table('experience_unit_types')
    op.drop_table('experience_option_texts')
    with op.batch_alter_table('experience_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experience_options_experience_id'))
    op.drop_table('experience_options')
    op.drop_table('experience_texts')
    op.drop_table('experiences')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('kind')
